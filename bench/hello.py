"""The floor: a bare Litestar hello, served the same way as Portico (granian, one worker)."""

from litestar import Litestar, get


@get("/", sync_to_thread=False)
def hello() -> dict[str, str]:
    return {"hello": "world"}


app = Litestar([hello], logging_config=None)
