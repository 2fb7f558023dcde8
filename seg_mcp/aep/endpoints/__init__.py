"""One module per endpoint family: its `Operation`s and a mixin with the typed methods."""
