"""The deployment manifests read as objects, the gateway's container, and a
blob store (local and S3) for the deploy tests."""
import uuid

import pytest
import yaml

from services.common import blobs
from services.common import contracts as c
from tests.deploy import deployfiles as d


K8S = d.ROOT / "deploy" / "k8s"


def manifests():
    docs = []
    for path in sorted(K8S.rglob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                docs.append((str(path.relative_to(K8S)), doc))
    return docs


DOCS = manifests()


def objects(kind):
    return {doc["metadata"]["name"]: doc for _, doc in DOCS if doc["kind"] == kind}


def container(deployment):
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def s3_config(endpoint, bucket):
    return {
        c.ENV_BLOB_BACKEND: "s3",
        c.ENV_S3_ENDPOINT_URL: endpoint,
        c.ENV_S3_BUCKET: bucket,
        c.ENV_S3_ACCESS_KEY: "test-access",
        c.ENV_S3_SECRET_KEY: "test-secret",
    }


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        config = {c.ENV_BLOB_DIR: str(tmp_path / "blobs")}
    else:
        endpoint = request.getfixturevalue("s3_server")
        config = s3_config(endpoint, f"blobs-{uuid.uuid4().hex[:12]}")
    store = blobs.blob_store(config)
    if request.param == "s3":
        store.ensure()
    return store
