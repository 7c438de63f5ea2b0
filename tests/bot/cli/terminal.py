"""A program run in a pseudo-terminal, and a small screen that replays what it wrote.

The screen understands what rich writes to a terminal (text, CR/LF, cursor up/down/column, erase in
line and display; colours and cursor visibility are ignored), which is enough to tell what a person
would see at the end: text a program erased (a rich ``Live(transient=True)``) is gone from it.
"""

from __future__ import annotations

import codecs
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time
from collections.abc import Sequence
from pathlib import Path

_TOKEN = re.compile(
    r"\x1b\[(?P<params>[0-9;?]*)(?P<command>[A-Za-z])"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC (window title, hyperlinks)
    r"|\x1b[()][A-Za-z0-9]|\x1b[=>78]"  # charset and keypad modes, save/restore
    r"|(?P<text>[^\x1b]+)",
    re.S,
)


class Screen:
    """What a terminal of ``columns`` x ``lines`` shows after the bytes fed to it (scrollback kept)."""

    def __init__(self, columns: int, lines: int) -> None:
        self.columns, self.lines = columns, lines
        self.rows: list[list[str]] = [[]]
        self.row = self.column = 0

    @property
    def top(self) -> int:
        """The first row on screen (rows above it have scrolled off into the scrollback)."""
        return max(0, len(self.rows) - self.lines)

    def feed(self, data: str) -> None:
        for match in _TOKEN.finditer(data):
            if match.group("text") is not None:
                self._text(match.group("text"))
            elif match.group("command"):
                self._csi(match.group("params"), match.group("command"))

    def display(self) -> list[str]:
        """The visible lines, trailing spaces removed."""
        return [self._line(r) for r in range(self.top, self.top + self.lines) if r < len(self.rows)]

    def everything(self) -> str:
        """Every line, scrollback included: what scrolling up would show."""
        return "\n".join(self._line(r) for r in range(len(self.rows)))

    def _line(self, row: int) -> str:
        return "".join(self.rows[row]).rstrip()

    def _text(self, text: str) -> None:
        for char in text:
            if char == "\r":
                self.column = 0
            elif char == "\n":
                self._move_to(self.row + 1)
            elif char == "\b":
                self.column = max(0, self.column - 1)
            elif char >= " ":
                if self.column >= self.columns:
                    self.column = 0
                    self._move_to(self.row + 1)
                line = self.rows[self.row]
                line.extend(" " * (self.column + 1 - len(line)))
                line[self.column] = char
                self.column += 1

    def _move_to(self, row: int) -> None:
        while len(self.rows) <= row:
            self.rows.append([])
        self.row = max(self.top, row)

    def _csi(self, params: str, command: str) -> None:
        if params.startswith("?"):
            return  # private modes: cursor visibility, bracketed paste...
        numbers = [int(p) if p else 0 for p in params.split(";")] if params else []
        n = numbers[0] if numbers else 0
        if command == "A":
            self.row = max(self.top, self.row - max(n, 1))
        elif command == "B":
            self._move_to(self.row + max(n, 1))
        elif command == "C":
            self.column = min(self.columns - 1, self.column + max(n, 1))
        elif command == "D":
            self.column = max(0, self.column - max(n, 1))
        elif command == "G":
            self.column = max(n, 1) - 1
        elif command in "Hf":
            self._move_to(self.top + max(n, 1) - 1)
            self.column = (numbers[1] if len(numbers) > 1 and numbers[1] else 1) - 1
        elif command == "K":
            self._erase_line(n)
        elif command == "J":
            self._erase_display(n)

    def _erase_line(self, mode: int) -> None:
        line = self.rows[self.row]
        if mode == 0:
            del line[self.column :]
        elif mode == 1:
            line[: self.column + 1] = [" "] * min(len(line), self.column + 1)
        else:
            line.clear()

    def _erase_display(self, mode: int) -> None:
        if mode == 0:
            self._erase_line(0)
            del self.rows[self.row + 1 :]
        elif mode in (2, 3):
            for row in range(self.top, len(self.rows)):
                self.rows[row] = []


class Terminal:
    """A command run in a pseudo-terminal of a fixed size; :meth:`expect` reads until text appears."""

    def __init__(self, command: Sequence[str], *, env: dict[str, str], cwd: Path, columns: int, lines: int) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        env = {**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(lines)}
        self.process = subprocess.Popen(
            list(command), stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True
        )
        os.close(slave)
        self.master = master
        self.output = ""
        self.screen = Screen(columns, lines)
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")  # a read may end mid-character

    def expect(self, text: str, timeout: float, *, after: int = 0) -> int:
        """Read until ``text`` appears in the output past offset ``after``; returns where it ends."""
        ends = time.monotonic() + timeout
        while (found := self.output.find(text, after)) < 0:
            if not self._read(ends - time.monotonic()):
                tail = self.output[-2000:]
                raise AssertionError(f"{text!r} did not appear within {timeout} s; the output ended with:\n{tail}")
        return found + len(text)

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def wait(self, timeout: float) -> int:
        """Read until the program exits; returns its exit code."""
        ends = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < ends:
            self._read(0.2)
        while self._read(0.2):  # what it wrote last
            pass
        return self.process.wait(timeout=max(0.1, ends - time.monotonic()))

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        os.close(self.master)

    def _read(self, timeout: float) -> bool:
        waiter = select.poll()  # not select(): a long test run hands out descriptors past 1023
        waiter.register(self.master, select.POLLIN)
        if timeout <= 0 or not waiter.poll(timeout * 1000):
            return False
        try:
            data = self._decoder.decode(os.read(self.master, 65536))
        except OSError:  # the program closed the terminal
            return False
        self.output += data
        self.screen.feed(data)
        return bool(data)
