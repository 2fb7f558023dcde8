"""One module per endpoint family: a client mixin whose `@operation` method stubs declare its
operations (see `seg_mcp.aep.operation`), plus the iterators that page through its lists."""
