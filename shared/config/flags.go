package config

import (
	"flag"
	"strconv"
)

// Flags defines serve's flags on fs, one for each of Vars that has one: its
// default is the variable when set in getenv, else the local default. The
// function returned reads the parsed flags into a configuration and checks
// it for needs, as FromEnv does.
func Flags(fs *flag.FlagSet, getenv func(string) string) func(needs Need) (Config, error) {
	values := make([]*flagValue, len(Vars))
	for i, v := range Vars {
		if v.Flag == "" {
			continue
		}
		def := v.Local
		if v.Env != "" && getenv(v.Env) != "" {
			def = getenv(v.Env)
		}
		values[i] = &flagValue{s: def, bool: v.Bool}
		usage := v.Meaning
		if v.Env != "" {
			usage += " (env " + v.Env + ")"
		}
		fs.Var(values[i], v.Flag, usage)
	}
	return func(needs Need) (Config, error) {
		env := map[string]string{}
		for i, v := range Vars {
			if values[i] != nil && v.Env != "" {
				env[v.Env] = values[i].s
			}
		}
		c, err := FromEnv(func(name string) string {
			if s, ok := env[name]; ok {
				return s
			}
			return getenv(name)
		}, needs)
		for i, v := range Vars {
			if values[i] != nil && v.Env == "" && values[i].s != "" {
				if ferr := v.set(&c, values[i].s); ferr != nil && err == nil {
					err = ferr
				}
			}
		}
		return c, err
	}
}

// flagValue is a flag's text, read into the configuration after parsing.
type flagValue struct {
	s    string
	bool bool
}

func (f *flagValue) String() string {
	if f == nil {
		return ""
	}
	return f.s
}

func (f *flagValue) Set(s string) error {
	if f.bool {
		if _, err := strconv.ParseBool(s); err != nil {
			return err
		}
	}
	f.s = s
	return nil
}

// IsBoolFlag lets a boolean flag go without a value (-anonymous).
func (f *flagValue) IsBoolFlag() bool { return f.bool }
