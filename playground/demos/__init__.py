"""Each module here declares one or more demos beside their variants; they are found by
`playground.registry.autodiscover()`, so adding a demo needs no import list."""
