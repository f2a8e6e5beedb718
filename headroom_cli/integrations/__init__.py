"""The engine inside the frameworks applications are built with. Each wrapper is a module of its own, imported only
by whoever uses it, and needs its framework (an optional extra of the distribution):

- `headroom_cli.integrations.langchain`: `HeadroomChatModel`, any LangChain chat model (`pip install
  'headroom-proxy[langchain]'`);
- `headroom_cli.integrations.agno`: `HeadroomAgnoModel`, any Agno model (`pip install 'headroom-proxy[agno]'`).

Both compress what the model is sent — tool results, and large documents inside user messages, the prose around
them kept verbatim — with the engine, policy and store the proxy uses; both answer the model's `headroom_retrieve`
calls themselves (`retrieval.py`) and count what they saved (`savings.py`). Nothing here imports a framework.
"""
