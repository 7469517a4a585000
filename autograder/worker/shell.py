"""The worker's IPython shell, made in the worker or ahead of it.

Making an InteractiveShell costs ~5 ms of CPU (~7 in a freshly forked
worker, which copies every page it writes), almost all of it traitlets
wiring that is the same in every worker. The fork server makes one
with ``prepare()`` before any sandbox or student code exists, and each
forked worker takes its copy with ``take()``, which first redoes what
depends on the worker's own process: its folder, its streams, its
``__main__``, its profile folder (created in the sandbox, as a shell
made there would). A cold worker's ``take()`` makes a shell there.
Either way the shell is the same (tests/unit/worker/test_shell.py
compares the two; tests/test_forkserver.py the sandboxes they leave).

Runs in the sandbox (and, for ``prepare()``, in the fork server):
imports nothing from the grader.
"""
from __future__ import annotations

import os
from pathlib import Path

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.profiledir import ProfileDir
from IPython.paths import get_ipython_dir
from IPython.utils.path import ensure_dir_exists
from traitlets import Bool, Type, observe
from traitlets.config import Config

from . import tracebacks

#: () -> the Outputs of the running cell; set by take()
_sink = None
#: the shell prepare() made, for the next take()
_prepared: InteractiveShell | None = None


class Hook(DisplayHook):
    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        _sink().data("execute_result", format_dict,
                     self.shell.execution_count)

    def finish_displayhook(self):
        pass


class Publisher(DisplayPublisher):
    def publish(self, data, metadata=None, source=None, *,
                transient=None, update=False, **kw):
        _sink().data("display_data", data)

    def clear_output(self, wait=False):
        pass


class Shell(InteractiveShell):
    displayhook_class = Type(Hook)
    display_pub_class = Type(Publisher)
    #: made by the fork server: no folder may be created yet (they
    #: belong in the sandbox, where _settle creates them)
    outside = Bool(False)

    def init_ipython_dir(self, ipython_dir):
        if not self.outside:
            return super().init_ipython_dir(ipython_dir)
        # what get_ipython_dir() answers in a fresh sandbox, whose /tmp
        # is empty, without the folder it creates
        self.ipython_dir = os.path.normpath(os.path.expanduser(
            os.environ.get("IPYTHONDIR") or "~/.ipython"))

    @observe("ipython_dir")
    def _ipython_dir_changed(self, change):
        if not self.outside:
            ensure_dir_exists(change["new"])

    def _showtraceback(self, etype, evalue, stb):
        _sink().error(getattr(etype, "__name__", str(etype)),
                      str(evalue), list(stb))


def _make(outside: bool = False) -> Shell:
    # history off from the start: no history.sqlite to create and open
    # at each start (about 10 ms); In, Out and _ work as before
    config = Config()
    config.HistoryManager.enabled = False
    tracebacks.install()
    return Shell(config=config, outside=outside,
                 profile_dir=ProfileDir() if outside else None,
                 colors="NoColor", history_length=0, history_load_length=0,
                 autocall=0)


def prepare() -> None:
    """In the fork server: make the shell its workers take. It creates
    no folder: its IPython folder is a name only, its profile folder has
    no location yet."""
    global _prepared
    _prepared = _make(outside=True)


def take(current) -> Shell:
    """The worker's shell, its outputs going to ``current()`` (an
    Outputs): the prepared one, settled into this process, or a new
    one. Called once, at the worker's first cell."""
    global _sink, _prepared
    _sink = current
    shell, _prepared = _prepared, None
    if shell is None:
        return _make()
    _settle(shell)
    return shell


def _settle(shell: Shell) -> None:
    """What InteractiveShell.__init__ reads of its process, read again
    in this one (the worker's, in its sandbox)."""
    shell.outside = False
    found = get_ipython_dir()                   # creates it, as a new shell
    if found != shell.ipython_dir:
        shell.ipython_dir = found
    shell.profile_dir = ProfileDir.create_profile_dir_by_name(
        shell.ipython_dir, "default")
    history = shell.history_manager
    history.hist_file = history._get_hist_file_name()
    history.dir_hist[:] = [Path.cwd()]          # the notebook's _dh
    shell.starting_dir = os.getcwd()
    shell.init_encoding()                       # of the worker's stdin
    # the worker's streams and __main__, for restore_sys_module_state;
    # then the user's namespace as __main__, for pickle
    shell.save_sys_module_state()
    shell.init_sys_modules()
