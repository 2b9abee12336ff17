# bash completion for gglab (make install puts it in PREFIX/share/bash-completion/completions/gglab;
# by hand: source docs/completion/gglab.bash). The candidates come from the gglab being completed,
# `gglab --complete WORD...` (lua/gglab/cli/complete.lua): the same option tables as --help.
_gglab() {
  local IFS=$'\n' prog=${COMP_WORDS[0]}
  # gglab itself when the typed program is not one (e.g. ~/bin/gglab before expansion)
  [[ -x $prog ]] || prog=gglab
  local cur=${COMP_WORDS[COMP_CWORD]}
  COMPREPLY=($("$prog" --complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
  # paths: readline quotes spaces and other special characters (not for options and '=')
  if [[ $cur != -* && $cur != = ]]; then
    compopt -o filenames 2>/dev/null
  fi
  # a directory: no space after it, so the path can go on
  if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]]; then
    compopt -o nospace 2>/dev/null
  fi
  return 0
}
complete -F _gglab gglab
