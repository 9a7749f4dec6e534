"""Shell completion scripts, printed without importing typer (`dockgen completion bash` is instant).

The scripts are typer's own (typer/_completion_shared.py, MIT): on TAB the shell runs `dockgen` with
``_DOCKGEN_COMPLETE=complete_<shell>`` and the words typed so far, and ``dockgen.cli.main`` answers
through typer's completion classes (tests/test_cli_conventions.py checks the text against typer's and
runs the bash one in a real bash).
"""

from __future__ import annotations

import os

from ..errors import DockgenError, ExitCode

PROG = "dockgen"
COMPLETE_VAR = "_DOCKGEN_COMPLETE"

_BASH = """
%(complete_func)s() {
    local IFS=$'\n'
    COMPREPLY=( $( env COMP_WORDS="${COMP_WORDS[*]}" \\
                   COMP_CWORD=$COMP_CWORD \\
                   %(autocomplete_var)s=complete_bash $1 ) )
    return 0
}

complete -o default -F %(complete_func)s %(prog_name)s
"""

_ZSH = """
#compdef %(prog_name)s

%(complete_func)s() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" %(autocomplete_var)s=complete_zsh %(prog_name)s)
}

compdef %(complete_func)s %(prog_name)s
"""

_FISH = ('complete --command %(prog_name)s --no-files --arguments "(env %(autocomplete_var)s=complete_fish '
         '_TYPER_COMPLETE_FISH_ACTION=get-args _TYPER_COMPLETE_ARGS=(commandline -cp) %(prog_name)s)" --condition '
         '"env %(autocomplete_var)s=complete_fish _TYPER_COMPLETE_FISH_ACTION=is-args '
         '_TYPER_COMPLETE_ARGS=(commandline -cp) %(prog_name)s"')

_POWERSHELL = """
Import-Module PSReadLine
Set-PSReadLineKeyHandler -Chord Tab -Function MenuComplete
$scriptblock = {
    param($wordToComplete, $commandAst, $cursorPosition)
    $Env:%(autocomplete_var)s = "complete_powershell"
    $Env:_TYPER_COMPLETE_ARGS = $commandAst.ToString()
    $Env:_TYPER_COMPLETE_WORD_TO_COMPLETE = $wordToComplete
    %(prog_name)s | ForEach-Object {
        $commandArray = $_ -Split ":::"
        $command = $commandArray[0]
        $helpString = $commandArray[1]
        [System.Management.Automation.CompletionResult]::new(
            $command, $command, 'ParameterValue', $helpString)
    }
    $Env:%(autocomplete_var)s = ""
    $Env:_TYPER_COMPLETE_ARGS = ""
    $Env:_TYPER_COMPLETE_WORD_TO_COMPLETE = ""
}
Register-ArgumentCompleter -Native -CommandName %(prog_name)s -ScriptBlock $scriptblock
"""

SCRIPTS = {"bash": _BASH, "zsh": _ZSH, "fish": _FISH, "powershell": _POWERSHELL, "pwsh": _POWERSHELL}


def script(shell: str | None) -> str:
    """The completion script for ``shell`` (default: the one $SHELL names), ending with a newline."""
    name = shell if shell is not None else os.path.basename(os.environ.get("SHELL", ""))
    if name not in SCRIPTS:
        if shell is None:
            raise DockgenError(f"cannot tell your shell from $SHELL ({os.environ.get('SHELL') or 'unset'})",
                               "name it: dockgen completion bash|zsh|fish|powershell", exit_code=ExitCode.USAGE)
        raise DockgenError(f"no completion for the shell {shell!r}", "dockgen completes in bash, zsh, fish and "
                           "powershell (pwsh)", exit_code=ExitCode.USAGE)
    text = SCRIPTS[name] % {"complete_func": f"_{PROG}_completion", "prog_name": PROG,
                            "autocomplete_var": COMPLETE_VAR}
    return text.strip() + "\n"
