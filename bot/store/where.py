"""Optional filters of a query: a condition counts only when its value is given.

Listing methods take filters that default to None ("any channel", "any watchlist"); spelling
out `if x is not None: sql += ...; params.append(x)` for each made every such method the
same five lines again. Conditions are fixed SQL with one `?` each; only values are bound."""

from __future__ import annotations


def and_where(sql: str, params: list, *conditions: tuple[str, object]) -> str:
    """`sql` with ` AND <condition>` for each (condition, value) whose value is not None,
    that value appended to `params` in the same order."""
    for condition, value in conditions:
        if value is not None:
            sql += f" AND {condition}"
            params.append(value)
    return sql


def where(*conditions: tuple[str, object]) -> tuple[str, list]:
    """(` WHERE a AND b` for the conditions whose value is not None, or "", their values)."""
    params: list = []
    clause = and_where("", params, *conditions)
    return (f" WHERE {clause.removeprefix(' AND ')}" if clause else ""), params


# Ids bound per `IN (…)` list: well under SQLite's limit of bound variables, and a statement
# PostgreSQL plans as quickly as a short one.
ID_CHUNK = 500


def id_chunks(ids):
    """(chunk, marks) for each run of at most ID_CHUNK of `ids`: the chunk to bind and its
    `?, ?, …` for an `id IN (…)` condition."""
    ids = list(ids)
    for i in range(0, len(ids), ID_CHUNK):
        chunk = ids[i : i + ID_CHUNK]
        yield chunk, ",".join("?" * len(chunk))
