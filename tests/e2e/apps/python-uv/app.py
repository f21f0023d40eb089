import attrs
import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


@attrs.frozen
class Status:
    service: str
    upstream: int | None


async def status(request):
    upstream = None
    target = request.query_params.get("probe")
    if target:
        async with httpx.AsyncClient(timeout=3) as client:
            upstream = (await client.get(target)).status_code
    return JSONResponse(attrs.asdict(Status("python-uv", upstream)))


app = Starlette(routes=[Route("/status", status)])
