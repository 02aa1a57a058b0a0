package config

import "strings"

// Markdown is the README's configuration table, made from Vars.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| Variable (`serve` flag) | Meaning | Default in `serve` |\n|---|---|---|\n")
	for _, v := range Vars {
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
