"""The Profile Query Language: grammar, AST, diagnostics, pql/json, field check, explain, SQL. No I/O."""
