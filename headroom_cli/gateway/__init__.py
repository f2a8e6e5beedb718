"""The team gateway (docs/ARCHITECTURE.md §11): one `headroom proxy` for a team, each member known by a gateway
token. `tokens` makes and hashes tokens and reads them from where clients put them (a `/t/<token>` path prefix,
the `X-Headroom-Token` header); `auth` tells who a token belongs to; `team` is the logic behind `headroom team`.
Plain Python: no aiohttp, no terminal (the proxy's guard and the CLI use it)."""
