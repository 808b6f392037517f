"""Reading a YAML data file with line numbers, so every refusal points into the file.

PyYAML's `compose` gives a node tree in which each node keeps its `start_mark`; the
catalogue and policy loaders walk that tree through a `Reader` instead of loading plain
Python objects, and every check that fails names the file and the line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


class DataFileError(ValueError):
    """A data file refused to load. The message reads `<file>, line N: <problem>`."""

    def __init__(self, source: str, line: int | None, problem: str):
        self.source = source
        self.line = line
        self.problem = problem
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {problem}")


def read_text(text_or_path: str | Path, source: str | None = None) -> tuple[str, str]:
    """Return (source name, text). A `Path`, or a one-line string ending in .yaml/.yml, is a file."""
    is_path = isinstance(text_or_path, Path) or (
        isinstance(text_or_path, str)
        and "\n" not in text_or_path
        and text_or_path.strip().endswith((".yaml", ".yml"))
    )
    if is_path:
        path = Path(text_or_path)
        return source or str(path), path.read_text(encoding="utf-8")
    return source or "<string>", str(text_or_path)


_TYPE_NAMES = {
    int: "an integer",
    float: "a number",
    str: "a string",
    bool: "true or false",
    dt.date: "a date (YYYY-MM-DD)",
}


class Reader:
    """Typed access to a composed YAML document; each failure raises `error` with the line."""

    def __init__(self, source: str, error: type[DataFileError]):
        self.source = source
        self.error = error
        self._constructor = yaml.constructor.SafeConstructor()

    def compose(self, text: str) -> Node:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            raise self.error(self.source, line, f"not valid YAML: {exc.problem or exc}") from None
        except yaml.YAMLError as exc:
            raise self.error(self.source, None, f"not valid YAML: {exc}") from None
        if root is None:
            raise self.error(self.source, 1, "the file is empty")
        return root

    @staticmethod
    def line(node: Node) -> int:
        return node.start_mark.line + 1

    def fail(self, node: Node | int | None, problem: str) -> NoReturn:
        line = node if isinstance(node, int) or node is None else self.line(node)
        raise self.error(self.source, line, problem)

    def mapping(
        self,
        node: Node,
        what: str,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
        any_keys: bool = False,
    ) -> dict[str, Node]:
        """Return key -> value node. Refuses duplicate, unknown and missing keys."""
        if not isinstance(node, MappingNode):
            self.fail(node, f"{what} must be a mapping (key: value)")
        found: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                self.fail(key_node, f"{what}: keys must be plain names")
            key = key_node.value
            if key in found:
                self.fail(key_node, f"{what}: key '{key}' appears twice")
            if not any_keys and key not in required and key not in optional:
                allowed = ", ".join(required + optional)
                self.fail(key_node, f"{what}: unknown key '{key}' (allowed: {allowed})")
            found[key] = value_node
        missing = [key for key in required if key not in found]
        if missing:
            self.fail(node, f"{what}: missing key(s) {', '.join(missing)}")
        return found

    def sequence(self, node: Node, what: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            self.fail(node, f"{what} must be a list")
        return list(node.value)

    def scalar(self, node: Node, kind: type, what: str, nullable: bool = False) -> Any:
        """A scalar of the given Python type (bool is never taken for int, nor int for bool)."""
        if not isinstance(node, ScalarNode):
            self.fail(node, f"{what} must be {_TYPE_NAMES[kind]}")
        value = self._constructor.construct_object(node)
        if value is None and nullable:
            return None
        if kind is dt.date and isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        ok = {
            int: isinstance(value, int) and not isinstance(value, bool),
            float: isinstance(value, (int, float)) and not isinstance(value, bool),
            str: isinstance(value, str),
            bool: isinstance(value, bool),
            dt.date: isinstance(value, dt.date) and not isinstance(value, dt.datetime),
        }[kind]
        if not ok:
            expected = _TYPE_NAMES[kind] + (" or null" if nullable else "")
            hint = " (quote it: \"...\")" if kind is str and isinstance(value, (int, float)) else ""
            self.fail(node, f"{what} must be {expected}, not {value!r}{hint}")
        if kind is float:
            return float(value)
        if kind is str and not value.strip():
            self.fail(node, f"{what} must not be empty")
        return value

    def whole(self, node: Node, what: str, minimum: int = 0, nullable: bool = False) -> int | None:
        """An integer >= minimum."""
        value = self.scalar(node, int, what, nullable=nullable)
        if value is not None and value < minimum:
            self.fail(node, f"{what} must be at least {minimum}, not {value}")
        return value
