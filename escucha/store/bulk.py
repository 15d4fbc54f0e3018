"""Writing many rows with one statement compiled once, without per-row SQL machinery.

SQLAlchemy's executemany rebuilds each row's parameters generically (about 50 µs a row here).
Compiled once, the statement takes plain tuples; each value still goes through its column
type's own bind processor, so what lands in the database is what SQLAlchemy would write.

On PostgreSQL an `ArrayStatement` goes further: the batch travels as one array per column and
the server unnests them, so a thousand rows are one statement to plan and run, not a thousand
(psycopg's executemany pipelines them, but each is still executed on its own).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Dialect, String, Table, bindparam, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, TableValuedAlias
from sqlalchemy.types import TypeEngine

Processor = Callable[[Any], Any] | None


def _processors(table: Table, names: Sequence[str], dialect: Dialect) -> tuple[Processor, ...]:
    return tuple(table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names)


@dataclass(frozen=True)
class BulkStatement:
    sql: str
    names: tuple[str, ...]  # parameter order for positional drivers, else parameter names
    positional: bool
    processors: tuple[Processor, ...]

    @classmethod
    def compile(
        cls, statement: ClauseElement, table: Table, columns: Sequence[str], dialect: Dialect
    ) -> BulkStatement:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=list(columns)))
        names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(columns)
        unknown = set(names) - set(columns)
        if unknown:
            raise ValueError(f"statement binds parameters that are not columns: {unknown}")
        return cls(compiled.string, names, compiled.positional, _processors(table, names, dialect))

    def execute(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        pairs = tuple(zip(self.names, self.processors, strict=True))
        if self.positional:
            tuples = [tuple(p(r[n]) if p else r[n] for n, p in pairs) for r in rows]
            connection.exec_driver_sql(self.sql, tuples)
        else:
            dicts = [{n: p(r[n]) if p else r[n] for n, p in pairs} for r in rows]
            connection.exec_driver_sql(self.sql, dicts)


def _unbounded(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    """The type without its length: an explicit cast to VARCHAR(n) truncates in silence, while
    storing a longer value in a VARCHAR(n) column fails, as it does row by row."""
    if isinstance(type_, String) and type_.length is not None:
        type_ = cast(TypeEngine[Any], type_.copy())
        cast(String, type_).length = None
    return type_


def unnested(table: Table, columns: Sequence[str], name: str = "given") -> TableValuedAlias:
    """`unnest(:a::T[], :b::U[], ...) WITH ORDINALITY AS given(a, b, ..., position)`: the rows
    an `ArrayStatement` is given, with each one's place in the batch (1, 2, ...)."""
    arrays = [bindparam(c, type_=ARRAY(_unbounded(table.c[c].type))) for c in columns]
    rows = func.unnest(*arrays).table_valued(*columns, with_ordinality="position")
    return rows.render_derived(name=name)


@dataclass(frozen=True)
class ArrayStatement:
    """A PostgreSQL statement reading its rows from `unnested(...)`: one execution a batch."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Processor, ...]

    @classmethod
    def compile(
        cls, statement: ClauseElement, table: Table, columns: Sequence[str], dialect: Dialect
    ) -> ArrayStatement:
        if dialect.name != "postgresql":
            raise ValueError(f"unnested arrays are PostgreSQL's, not {dialect.name}'s")
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        if compiled.positional or set(compiled.binds) != set(columns):
            raise ValueError("statement must bind exactly one named array per column")
        names = tuple(columns)
        sql = compiled.string
        for name in names:  # psycopg: in binary; its text form of arrays is quoted in Python
            sql = sql.replace(f"%({name})s", f"%({name})b")
        return cls(sql, names, _processors(table, names, dialect))

    def execute(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        arrays = {
            n: [p(r[n]) for r in rows] if p else [r[n] for r in rows]
            for n, p in zip(self.names, self.processors, strict=True)
        }
        connection.exec_driver_sql(self.sql, arrays)
