"""Documents in Gemini user turns (compress/protocols/user_text.py): the user's text parts are sites, function
responses, thought parts and model turns are not."""
from headroom_cli import wires
from headroom_cli.compress.protocols import user_text


def test_gemini_user_text_parts_are_sites_and_nothing_else():
    log = "\n".join(f"2026-12-02T01:{i % 60:02d}:00Z INFO worker step {i}" for i in range(400))
    body = {"contents": [
        {"role": "user", "parts": [{"text": "Summarise this log:"}, {"text": log}]},
        {"role": "model", "parts": [{"text": "thinking", "thought": True}, {"text": "Which part?"},
                                    {"functionCall": {"name": "Bash", "args": {}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "Bash", "response": {"output": log}}},
                                   {"text": log + "\nFATAL disk full"}]},
    ]}
    sites = user_text.sites(body, wires.GEMINI)
    assert [s.path for s in sites] == [("contents", 0, "parts", 0, "text"), ("contents", 0, "parts", 1, "text"),
                                       ("contents", 2, "parts", 1, "text")]
    assert sites[2].preceding_text == "Which part?"  # the model's words, not its thoughts
    assert all(s.origin == "document" for s in sites)
