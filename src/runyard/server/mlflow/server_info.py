"""`GET /api/3.0/mlflow/server-info`: what the client asks before uploading artifacts.

runyard proxies artifacts (`artifact_serving_enabled`) and offers no multipart or presigned
transfers, so the client uploads and downloads every file through `/api/2.0/mlflow-artifacts`.
"""

from __future__ import annotations

from fastapi import APIRouter

from runyard.server.deps import TenantDep
from runyard.server.mlflow.errors import MlflowRoute
from runyard.server.responses import JSONResponse

router = APIRouter(route_class=MlflowRoute, tags=["mlflow"])
SERVER_INFO = {
    "store_type": None, "workspaces_enabled": False, "trace_archival_enabled": False,
    "multipart_uploads_enabled": False, "multipart_downloads_enabled": False, "artifact_serving_enabled": True,
    "presigned_upload_run_id_supported": False, "presigned_upload_model_id_supported": False,
    "model_artifact_presigned_downloads_supported": False,
    "features_enabled": {"gateway": False, "scheduled_issue_detection": False},
    "tracking_auth": "", "artifacts_presigned_only": False,
}


@router.get("/api/3.0/mlflow/server-info", summary="Server capabilities (artifacts are proxied)")
async def server_info(tenant: TenantDep) -> JSONResponse:
    """The server's capabilities (needs a token like every route; the client sends one)."""
    return JSONResponse(SERVER_INFO)
