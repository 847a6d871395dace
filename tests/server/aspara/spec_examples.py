"""The Python examples of the Aspara dashboard API spec, verbatim (`specs/aspara-dashboard-api.md`).

They are run unmodified against a real server by `test_spec_examples.py`. The spec hard-codes
`BASE_URL = "http://localhost:3141"`; that one string is replaced by the test server's URL.
The examples use `project_name` and `run_name` without defining them: the test defines them.
"""

from __future__ import annotations

SPEC_BASE_URL = "http://localhost:3141"

BASIC = """\
import requests

BASE_URL = "http://localhost:3141"

# Get run list for a specific project
runs = requests.get(f"{BASE_URL}/api/projects/{project_name}/runs").json()

# Get specific run details (JSON header required)
run_detail = requests.get(
    f"{BASE_URL}/projects/{project_name}/runs/{run_name}",
    headers={"Accept": "application/json"}
).json()

# Get metrics for a specific run
metrics = requests.get(
    f"{BASE_URL}/api/projects/{project_name}/runs/{run_name}/metrics"
).json()

# Get parameters for a specific run
params = requests.get(
    f"{BASE_URL}/api/projects/{project_name}/runs/{run_name}/params"
).json()
"""

COMPARE = """\
# Get metrics for multiple runs (useful for comparison)
runs_to_compare = "run1,run2,run3"
comparison = requests.get(
    f"{BASE_URL}/api/projects/{project_name}/runs/metrics",
    params={"runs": runs_to_compare}
).json()

# Response structure:
# {
#     "project": "my_project",
#     "metrics": {
#         "loss": {
#             "run1": {"steps": [...], "values": [...], "timestamps": [...]},
#             "run2": {"steps": [...], "values": [...], "timestamps": [...]}
#         }
#     }
# }

# MessagePack format for better performance
comparison_msgpack = requests.get(
    f"{BASE_URL}/api/projects/{project_name}/runs/metrics",
    params={"runs": runs_to_compare, "format": "msgpack"}
).content
"""

METADATA = """\
# Get run metadata
metadata = requests.get(
    f"{BASE_URL}/api/projects/{project_name}/runs/{run_name}/metadata"
).json()

# Update run notes
updated_metadata = requests.put(
    f"{BASE_URL}/api/projects/{project_name}/runs/{run_name}/metadata",
    json={"notes": "Experiment results were good"}
).json()

# Get project metadata
project_metadata = requests.get(
    f"{BASE_URL}/api/projects/{project_name}/metadata"
).json()

# Update project tags
updated_project = requests.put(
    f"{BASE_URL}/api/projects/{project_name}/metadata",
    json={"tags": ["production", "v2"]}
).json()
"""

ARTIFACTS = """\
# Download artifacts as ZIP
response = requests.get(
    f"{BASE_URL}/api/projects/{project_name}/runs/{run_name}/artifacts/download"
)
with open(f"{run_name}_artifacts.zip", "wb") as f:
    f.write(response.content)
"""

STREAMING = """\
import sseclient
import requests

# Stream metrics for a single run
response = requests.get(
    f"{BASE_URL}/api/projects/{project_name}/runs/{run_name}/stream",
    stream=True
)
client = sseclient.SSEClient(response)
for event in client.events():
    if event.event == "metric":
        print(f"New metric: {event.data}")

# Stream metrics for multiple runs
runs_to_watch = "run1,run2,run3"
response = requests.get(
    f"{BASE_URL}/api/projects/{project_name}/runs/stream",
    params={"runs": runs_to_watch},
    stream=True
)
client = sseclient.SSEClient(response)
for event in client.events():
    if event.event == "metric":
        print(f"Metric update: {event.data}")
    elif event.event == "status":
        print(f"Status update: {event.data}")
"""

DELETE = """\
# Delete a run (irreversible!)
response = requests.delete(
    f"{BASE_URL}/api/projects/{project_name}/runs/{run_name}"
)
print(response.json())  # {"message": "Run 'project/run' deleted successfully"}

# Delete an entire project (all runs will also be deleted!)
response = requests.delete(f"{BASE_URL}/api/projects/{project_name}")
print(response.json())  # {"message": "Project 'project' deleted successfully"}
"""
