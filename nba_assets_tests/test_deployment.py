"""deploy/: the shared deployment's instance config passes Dagster's own schema (without a Postgres or a
Kubernetes cluster), the Helm values have the shape the chart needs, the two agree, and the pool they size is
the one our assets use."""

from __future__ import annotations

import importlib
import re
import shutil
import tomllib

import dagster as dg
import pytest
import yaml
from dagster._config import process_config
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config
from dagster._core.instance.ref import InstanceRef
from dagster._serdes.config_class import class_from_code_pointer

from nba_assets import settings
from nba_assets.table_asset import WAREHOUSE_POOL

DEPLOY = settings.PROJECT_ROOT / "deploy"
INSTANCE_YAML = DEPLOY / "dagster.yaml"
HELM_VALUES = DEPLOY / "helm" / "values.yaml"
# what every process of the deployment must find in its environment (values here are placeholders)
DEPLOYMENT_ENV = {
    "DAGSTER_PG_HOST": "postgres.example.internal",
    "DAGSTER_PG_USERNAME": "dagster",
    "DAGSTER_PG_PASSWORD": "placeholder",
    "DAGSTER_PG_DB": "dagster",
    "NBA_ASSETS_COMPUTE_LOG_BUCKET": "example-compute-logs",
}


@pytest.fixture
def instance_config() -> dict:
    return yaml.safe_load(INSTANCE_YAML.read_text())


@pytest.fixture
def helm() -> dict:
    return yaml.safe_load(HELM_VALUES.read_text())


@pytest.fixture
def instance_dir(tmp_path, monkeypatch):
    """A DAGSTER_HOME holding deploy/dagster.yaml, with the deployment's environment set."""
    for name, value in DEPLOYMENT_ENV.items():
        monkeypatch.setenv(name, value)
    shutil.copyfile(INSTANCE_YAML, tmp_path / "dagster.yaml")
    return tmp_path


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _snake_keys(values: dict) -> dict:
    return {_snake(key): value for key, value in values.items()}


def test_instance_config_passes_dagsters_schema(instance_dir):
    dagster_instance_config(str(instance_dir))


def test_every_configured_class_accepts_its_config(instance_dir):
    """Each storage, the run launcher, coordinator and log manager, checked against its own class's schema (env vars
    resolved) without being constructed: constructing them would connect to Postgres and Kubernetes."""
    ref = InstanceRef.from_dir(str(instance_dir))
    configured = [ref.run_storage_data, ref.event_storage_data, ref.schedule_storage_data, ref.run_launcher_data,
                  ref.run_coordinator_data, ref.compute_logs_data]
    for data in configured:
        klass = class_from_code_pointer(data.module_name, data.class_name)
        result = process_config(klass.config_type(), yaml.safe_load(data.config_yaml) or {})
        assert result.success, f"{data.class_name}: {[error.message for error in result.errors]}"
    assert {data.class_name for data in configured} >= {
        "PostgresRunStorage", "PostgresEventLogStorage", "PostgresScheduleStorage", "K8sRunLauncher", "QueuedRunCoordinator"}


def test_a_missing_credential_is_refused(instance_dir, monkeypatch):
    monkeypatch.delenv("DAGSTER_PG_PASSWORD")
    ref = InstanceRef.from_dir(str(instance_dir))
    storage = ref.run_storage_data
    result = process_config(class_from_code_pointer(storage.module_name, storage.class_name).config_type(),
                            yaml.safe_load(storage.config_yaml))
    assert not result.success and "DAGSTER_PG_PASSWORD" in str([error.message for error in result.errors])


def test_an_unknown_instance_key_is_refused(tmp_path):
    (tmp_path / "dagster.yaml").write_text(INSTANCE_YAML.read_text() + "\nrun_retires:\n  enabled: true\n")
    with pytest.raises(DagsterInvalidConfigError):
        dagster_instance_config(str(tmp_path))


def test_postgres_credentials_come_from_the_environment(instance_config):
    credentials = instance_config["storage"]["postgres"]["postgres_db"]
    for field in ("hostname", "username", "password", "db_name"):
        assert set(credentials[field]) == {"env"}, field
        assert credentials[field]["env"] in DEPLOYMENT_ENV
    assert credentials["scheme"] == "postgresql+psycopg2"  # SQLAlchemy 2.1's bare postgresql:// is psycopg 3, not locked


def test_run_pods_use_bigquery_and_retries_do_not_multiply(instance_config):
    launcher = instance_config["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_k8s", "K8sRunLauncher")
    assert "NBA_ASSETS_STORAGE=bigquery" in launcher["config"]["env_vars"]
    assert instance_config["run_retries"] == {"enabled": True, "max_retries": 1, "retry_on_asset_or_op_failure": False}
    monitoring = instance_config["run_monitoring"]
    assert monitoring["enabled"] and monitoring["max_runtime_seconds"] > 0
    assert monitoring["max_resume_run_attempts"] == 0  # a dead run worker is retried as a new run, not also resumed
    assert instance_config["backfills"]["use_threads"]


def test_the_pool_limit_is_the_one_our_assets_use(instance_config):
    """dagster.yaml cannot name a pool (named limits live in the instance's database); its default limit is what
    a pool without a stored limit gets. So: the assets use exactly one pool, WAREHOUSE_POOL, and an instance with
    the deployment's concurrency settings gives that pool the configured limit."""
    import nba_assets.definitions as definitions

    repository = importlib.reload(definitions).defs.get_repository_def()
    ops = {node for job in repository.get_all_jobs() for node in job.graph.iterate_node_defs()
           if isinstance(node, dg.OpDefinition)}
    assert {op.pool for op in ops if op.pool} == {WAREHOUSE_POOL}

    limit = instance_config["concurrency"]["pools"]["default_limit"]
    with dg.instance_for_test(overrides={"concurrency": instance_config["concurrency"]}) as instance:
        instance.event_log_storage.initialize_concurrency_limit_to_default(WAREHOUSE_POOL)
        assert instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).slot_count == limit


def test_helm_user_deployment_serves_the_code_location(helm):
    pyproject = tomllib.loads((settings.PROJECT_ROOT / "pyproject.toml").read_text())
    user_code = helm["dagster-user-deployments"]
    assert user_code["enabled"]
    (deployment,) = user_code["deployments"]
    args = deployment["dagsterApiGrpcArgs"]
    assert args[args.index("--module-name") + 1] == pyproject["tool"]["dagster"]["module_name"] == "nba_assets.definitions"
    assert {"repository", "tag"} <= set(deployment["image"])
    env = {variable["name"]: variable["value"] for variable in deployment["env"]}
    assert env["NBA_ASSETS_STORAGE"] == "bigquery" and env["NBA_ASSETS_BQ_PROJECT"]
    assert deployment["includeConfigInLaunchedRuns"]["enabled"]


def test_helm_postgres_daemon_and_run_launcher(helm):
    assert helm["postgresql"]["enabled"] is False and helm["postgresql"]["postgresqlHost"]
    assert helm["postgresql"]["postgresqlScheme"] == "postgresql+psycopg2"  # the driver in the lock
    assert helm["global"]["postgresqlSecretName"] and helm["generatePostgresqlPasswordSecret"] is False
    assert helm["dagsterDaemon"]["enabled"]
    assert helm["runLauncher"]["type"] == "K8sRunLauncher"
    launcher = helm["runLauncher"]["config"]["k8sRunLauncher"]
    assert "NBA_ASSETS_STORAGE=bigquery" in launcher["envVars"]
    assert launcher["resources"]["requests"]["memory"] and launcher["resources"]["limits"]["memory"]


def test_helm_values_agree_with_the_instance_config(helm, instance_config):
    daemon = helm["dagsterDaemon"]
    assert _snake_keys(daemon["runMonitoring"]) == instance_config["run_monitoring"]
    assert _snake_keys(daemon["runRetries"]) == instance_config["run_retries"]
    for section in ("backfills", "sensors", "schedules"):
        assert _snake_keys(daemon[section]) == instance_config[section], section
    assert helm["concurrency"]["enabled"]
    assert _snake_keys(helm["concurrency"]["pools"]) == instance_config["concurrency"]["pools"]
    assert _snake_keys(helm["concurrency"]["runs"]) == instance_config["concurrency"]["runs"]
    launcher, instance_launcher = helm["runLauncher"]["config"]["k8sRunLauncher"], instance_config["run_launcher"]["config"]
    for key in ("envVars", "resources", "labels"):
        assert launcher[key] == instance_launcher[_snake(key)], key
    assert _snake_keys(helm["retention"]["sensor"]) == instance_config["retention"]["sensor"]
    logs = helm["computeLogManager"]
    assert logs["type"] == instance_config["compute_logs"]["class"]
    assert logs["config"]["gcsComputeLogManager"]["prefix"] == instance_config["compute_logs"]["config"]["prefix"]
