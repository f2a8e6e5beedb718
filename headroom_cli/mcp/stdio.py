"""`headroom mcp serve`: the tools of `tools.py` over stdio with the official `mcp` SDK (low-level
Server, so the JSON schemas are exactly the ones `/mcp` serves)."""
from __future__ import annotations

from . import tools


def build_server(tool_context: tools.ToolContext | None = None):
    import anyio
    import mcp_types as types
    from mcp.server.lowlevel import Server

    from .. import __version__
    from .http import INSTRUCTIONS
    from ..errors import HeadroomError

    ctx = tool_context or tools.ToolContext()

    async def on_list_tools(_ctx, _params) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[types.Tool.model_validate(t) for t in tools.list_tools()])

    async def on_call_tool(_ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        try:  # SQLite and the engine block: run them in a worker thread
            outcome = await anyio.to_thread.run_sync(tools.call_tool, params.name, params.arguments, ctx)
        except HeadroomError as e:  # unknown tool / bad arguments: the model can correct itself
            outcome = tools.ToolOutcome(str(e), is_error=True)
        return types.CallToolResult.model_validate(outcome.to_mcp())

    return Server(
        "headroom",
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
    )


def serve(tool_context: tools.ToolContext | None = None) -> None:
    """Serve MCP on stdin/stdout until the client closes the pipe."""
    import anyio
    from mcp.server.stdio import stdio_server

    server = build_server(tool_context)

    async def main():
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(main)
