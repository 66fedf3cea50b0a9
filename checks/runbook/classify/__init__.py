"""Classify a documented shell command. An allow-list: only what is proven read-only is READ_ONLY.

A command is read as bash reads it: sequences, pipes, redirections, quoting and substitutions. Each
program is looked up in the tables; a known write is MUTATING, and a program, verb or option the
classifier does not know is UNKNOWN (never run, reported), never a silent READ_ONLY.

Modules: `entry` (`classify`, the entry point), `commands` (the walk over a command line, and the programs
that run another command: kubectl, sh/bash, env, xargs, watch), `lexer` (words and operators), `substitution`
(`$(...)` and backticks), `options` (reading a program's options), `rules_*` (the other programs' rules) and
`tables_*` (which verbs, commands and options read or write).
"""
