"""`/headroom/lessons?repo=<git remote>`: a team's shared lessons for one repository.

GET answers the team's rules for the repository, recurring ones first, each with its evidence and contributors;
POST `{"rules": [...]}` contributes the caller's (`headroom learn --share`), deduplicated by lesson
(headroom_cli/shared_lessons.py). The route is
one of headroom's own: on a gateway the guard lets in any member holding a valid token and names them
(`request[REQUEST_USER]`), who becomes the contributor; on a local proxy it needs the proxy's secret and the
contributor is the local user. The rules live in the proxy's store (`settings.backend().rules()`), asked off the
event loop (it may be a database across the network).
"""
from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import web

from .. import config
from .. import shared_lessons as team
from ..errors import UsageError
from .settings import REQUEST_USER

log = logging.getLogger("headroom.proxy")

PATH = "/headroom/lessons"
MAX_BODY = 4 * 1024 * 1024  # a contribution: a few hundred rules with their evidence


def make_lessons_handler(settings):
    async def lessons(request: web.Request) -> web.Response:
        repo = team.normalize_remote(request.query.get("repo", ""))
        if not repo:
            return web.json_response({"error": "say which repository: ?repo=<its git remote URL>"}, status=400)
        loop = asyncio.get_running_loop()
        try:
            data = settings.backend().rules()
            if request.method == "GET":
                rules = await loop.run_in_executor(None, team.team_rules, data, repo)
                return web.json_response({"repo": repo, "basis": "every member's contributed sessions",
                                          "rules": rules})
            if request.content_length is not None and request.content_length > MAX_BODY:
                return web.json_response({"error": f"a contribution is at most {MAX_BODY} bytes"}, status=413)
            try:
                body = json.loads(await request.read() or b"null")
            except ValueError:
                return web.json_response({"error": "the body must be JSON: {\"rules\": [...]}"}, status=400)
            rules = body.get("rules") if isinstance(body, dict) else None
            who = request.get(REQUEST_USER) or config.LOCAL_USER
            result = await loop.run_in_executor(None, team.contribute, data, repo, who, rules)
            return web.json_response({**result, "contributor": who})
        except UsageError as e:
            return web.json_response({"error": str(e)}, status=400)
        except Exception as e:  # the store did not answer: say so, never with its URL
            log.warning("lessons: the store failed (%s)", type(e).__name__)
            return web.json_response({"error": "the lessons store does not answer right now; retry shortly"},
                                     status=503)

    return lessons
