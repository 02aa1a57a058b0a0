package config_test

import (
	"strings"

	"tipline/shared/config"
)

// markdown is the README's configuration table, made from config.Vars.
func markdown() string {
	var b strings.Builder
	b.WriteString("| Variable (`serve` flag) | Meaning | Default in `serve` |\n|---|---|---|\n")
	for _, v := range config.Vars {
		var name string
		switch {
		case v.Env != "" && v.Flag != "":
			name = "`" + v.Env + "` (`-" + v.Flag + "`)"
		case v.Env != "":
			name = "`" + v.Env + "`"
		default:
			name = "(`-" + v.Flag + "`)"
		}
		def := v.LocalDoc
		switch {
		case def != "":
		case v.Local != "":
			def = "`" + v.Local + "`"
		default:
			def = "empty"
		}
		b.WriteString("| " + name + " | " + v.Meaning + " | " + def + " |\n")
	}
	return b.String()
}
