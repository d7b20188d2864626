#!/bin/bash
# complete.sh [--bash-completion] WORD... : the candidates the bash completion of
# ipcreapctl offers for the command line WORD... (the last word is the one being completed;
# pass "" for a new one), one per line, sorted. With --bash-completion, Debian's
# bash-completion is loaded first, as in an interactive shell; without, the script must
# work alone.
set -u
if [ "${1:-}" = --bash-completion ]; then
        shift
        # shellcheck disable=SC1091
        source /usr/share/bash-completion/bash_completion || exit 1
fi
# shellcheck disable=SC1091
source "$(dirname "$0")/../../shell-completion/ipcreapctl" || exit 1
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
_ipcreapctl "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort
