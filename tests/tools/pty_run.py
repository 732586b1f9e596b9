#!/usr/bin/env python3
"""Runs a command on a terminal of its own (a new pseudo-terminal, the
command a session leader in its foreground) and types into it.

usage: pty_run.py [WAIT_FOR TEXT]... -- CMD...
Once the command has printed WAIT_FOR (after what the previous WAIT_FOR
matched), TEXT is typed (Python escapes: \\n, \\x03 for Ctrl-C, \\x1a for
Ctrl-Z). Prints everything the command wrote to the terminal, then
"STATUS n" (its exit status, or -signal). Gives up after a minute.
"""
import os
import pty
import select
import signal
import sys
import time

sep = sys.argv.index("--")
script = sys.argv[1:sep]
steps = [(script[i].encode(), script[i + 1].encode().decode("unicode_escape").encode("latin-1"))
         for i in range(0, len(script) - 1, 2)]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[sep + 1], sys.argv[sep + 1:])
out = b""
seen = 0  # where the next WAIT_FOR is looked for
start = time.monotonic()
while True:
    if time.monotonic() - start > 60:
        os.kill(pid, signal.SIGKILL)
        break
    if steps:
        at = out.find(steps[0][0], seen)
        if at >= 0:
            os.write(fd, steps[0][1])
            seen = at + len(steps[0][0])
            steps.pop(0)
    ready, _, _ = select.select([fd], [], [], 0.1)
    if not ready:
        continue
    try:
        data = os.read(fd, 4096)
    except OSError:  # EIO: every process holding the terminal has gone
        break
    if not data:
        break
    out += data
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
print("STATUS", os.waitstatus_to_exitcode(status))
