from django.db import connection
from django.http import HttpRequest, JsonResponse

from config.routers import replica_state


def health(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and docker compose: the database answers.

    With a read replica configured, `replica` says whether reads go to it ("ok") or
    to the primary because it is "lagging" or "down"; the portal answers either way.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    answer: dict[str, object] = {"status": "ok"}
    replica = replica_state(fresh=True)
    if replica.reason != "not configured":
        answer["replica"] = replica.reason
        answer["replica_lag_seconds"] = replica.lag_seconds
    return JsonResponse(answer)
