"""Configuration loading (issue 2 §3, N9 check-config): YAML + env secrets, errors with file/path/reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from integrator import logs
from integrator.config import (
    MASK,
    ConfigError,
    IntegrationSet,
    config_warnings,
    load_config,
    load_set_file,
    masked,
    summary,
)
from integrator.services.cursor import new_cursor_key
from integrator.sessions.seal import new_key
from tests.fixtures.common import netsis_set, tiger_set
from tests.fixtures.ports import free_port_block

REPO = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


TIGER_YAML = """\
code: TIGER-MERKEZ
erp: tiger
firm: 001
period: "02"
logo:
  url: http://logo.local:8010/LogoObjectService/Service
  security_code: ${LOGO_SECURITY_CODE}
database:
  connection_string: DRIVER={FreeTDS};SERVER=sql;UID=ro;PWD=${ERP_DB_PASSWORD}
credentials: {mode: shared, user: LOGO, password: "${LOGO_PASSWORD:-changeme}"}
users:
  - {name: ayse, default: true, warehouses: [0, 1]}
"""


def test_set_file_env_secrets_and_padding(tmp_path: Path) -> None:
    f = write(tmp_path / "t.yaml", TIGER_YAML)
    s = load_set_file(f, env={"LOGO_SECURITY_CODE": "guid-123", "ERP_DB_PASSWORD": "p@ss;w"})
    assert s.firm_code == "001" and s.period_code == "02"
    assert s.logo is not None and s.logo.security_code.get_secret_value() == "guid-123"
    assert "p@ss;w" in s.database.connection_string.get_secret_value()
    assert s.credentials.password is not None
    assert s.credentials.password.get_secret_value() == "changeme"  # ${VAR:-default}
    # secrets never show in repr or dumps
    assert "guid-123" not in repr(s) and "p@ss" not in repr(s)
    assert "guid-123" not in s.model_dump_json()


def test_missing_env_variable_names_file_and_field(tmp_path: Path) -> None:
    f = write(tmp_path / "t.yaml", TIGER_YAML)
    with pytest.raises(ConfigError) as info:
        load_set_file(f, env={"LOGO_SECURITY_CODE": "x"})
    [problem] = info.value.problems
    assert problem.file == str(f)
    assert problem.path == "database.connection_string"
    assert "ERP_DB_PASSWORD" in problem.reason


@pytest.mark.parametrize(
    ("change", "path", "reason"),
    [
        ("firm: 001", "firm", "greater than or equal to 1"),
        ("  - {name: ayse, default: true, warehouses: [0, 1]}", "users[0].warehouses", ""),
        ("erp: tiger", "erp", "Input should be 'tiger', 'go' or 'netsis'"),
        ("  url: http://logo.local:8010/LogoObjectService/Service", "logo.url", "should match pattern"),
    ],
)
def test_field_errors_name_path_and_reason(tmp_path: Path, change: str, path: str, reason: str) -> None:
    bad = {
        "firm: 001": "firm: 0",
        "  - {name: ayse, default: true, warehouses: [0, 1]}":
            "  - {name: ayse, default: true, warehouses: [zero]}",
        "erp: tiger": "erp: sap",
        "  url: http://logo.local:8010/LogoObjectService/Service": "  url: ftp://logo",
    }[change]
    f = write(tmp_path / "t.yaml", TIGER_YAML.replace(change, bad))
    with pytest.raises(ConfigError) as info:
        load_set_file(f, env={"LOGO_SECURITY_CODE": "x", "ERP_DB_PASSWORD": "y"})
    paths = [p.path for p in info.value.problems]
    assert any(p == path or p.startswith(path) for p in paths), paths
    assert all(p.file == str(f) for p in info.value.problems)
    assert any(reason in p.reason for p in info.value.problems)


def test_cross_field_rules() -> None:
    with pytest.raises(ValidationError, match="needs a 'logo' section"):
        tiger_set(logo=None)
    with pytest.raises(ValidationError, match="needs 'branch'"):
        netsis_set(branch=None)
    with pytest.raises(ValidationError, match="missing for: ayse"):
        netsis_set(users=[{"name": "ayse"}])
    with pytest.raises(ValidationError, match="listed twice"):
        tiger_set(users=[{"name": "a"}, {"name": "a"}])
    with pytest.raises(ValidationError, match="value table 'SECTOR'"):
        tiger_set(mappings={"account": [{"crm": "Sector", "erp": "AUXIL_CODE",
                                         "converters": ["value_table(SECTOR)"]}]})
    with pytest.raises(ValidationError, match="exist only for Tiger/Go"):
        netsis_set(extensions=[{"entity": "account", "table": "LG_XT001_FFF", "columns": ["A"]}])
    with pytest.raises(ValidationError, match="writer_connection_string"):
        tiger_set(extensions=[{"entity": "account", "table": "LG_XT001_FFF", "columns": ["A"]}])
    with pytest.raises(ValidationError, match=r"settle_s \(30\) must not be below timeout_s \(60\)"):
        tiger_set(logo={"url": "http://l/", "security_code": "x", "settle_s": 30})
    with pytest.raises(ValidationError, match=r"settle_s \(5\) must not be below timeout_s \(10\)"):
        netsis_set(netsis={"url": "http://n/", "dbname": "D", "timeout_s": 10, "settle_s": 5})
    assert tiger_set().logo.settle_s is None  # type: ignore[union-attr]  # twice the timeout + 30
    assert netsis_set(netsis={"url": "http://n/", "dbname": "D", "settle_s": 600}).netsis \
        .settle_s == 600  # type: ignore[union-attr]


def service_tree(tmp_path: Path, service: str, sets: dict[str, str]) -> Path:
    main = write(tmp_path / "service.yaml", service)
    for name, text in sets.items():
        write(tmp_path / "sets" / name, text)
    return main


def test_load_config_collects_problems_of_every_file(tmp_path: Path) -> None:
    main = service_tree(tmp_path, "store: memory\nlisten: {port: 99999}\n", {
        "a.yaml": TIGER_YAML,
        "b.yaml": "code: B\nerp: netsis\n",
    })
    with pytest.raises(ConfigError) as info:
        load_config(main, env={"LOGO_SECURITY_CODE": "x", "ERP_DB_PASSWORD": "y"})
    text = str(info.value)
    assert "service.yaml: listen.port" in text
    assert "b.yaml: database" in text
    assert "b.yaml: credentials" in text


def test_duplicate_set_codes_across_files(tmp_path: Path) -> None:
    main = service_tree(tmp_path, "store: memory\n", {"a.yaml": TIGER_YAML, "b.yaml": TIGER_YAML})
    with pytest.raises(ConfigError, match="also defined in"):
        load_config(main, env={"LOGO_SECURITY_CODE": "x", "ERP_DB_PASSWORD": "y"})


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    main = service_tree(tmp_path, "store: memory\n", {"a.yaml": "code: [unclosed\n"})
    with pytest.raises(ConfigError) as info:
        load_config(main)
    assert info.value.problems[0].path.startswith("line ")


def test_store_url_validated() -> None:
    from integrator.config import ServiceConfig

    with pytest.raises(ValidationError, match="redis://"):
        ServiceConfig.model_validate({"store": "mysql://x"})
    cfg = ServiceConfig.model_validate({"store": "redis://:s3cret@redis:6379/0"})
    assert "s3cret" not in repr(cfg)


def test_summary_and_masked_show_no_secret() -> None:
    s = tiger_set()
    n = netsis_set()
    from tests.fixtures.common import service_config

    cfg = service_config(sets=[s, n], store="redis://:redis-pw-7@localhost:6379/0")
    text = summary(cfg)
    for secret in ("sec-code-tiger-71c2", "db-pw-tiger-55", "logo-pw-shared-19", "netsis-db-pw-82",
                   "ayse-erp-pw-33", "redis-pw-7"):
        assert secret not in text
        assert secret not in str(masked(cfg))
    assert MASK in text
    assert "TIGER-TEST (tiger): firm 001 period 01" in text


def test_check_config_cli(tmp_path: Path) -> None:
    good = service_tree(tmp_path / "good", "store: memory\n", {"a.yaml": TIGER_YAML})
    env = {"LOGO_SECURITY_CODE": "guid-secret-9", "ERP_DB_PASSWORD": "db-secret-8", "PATH": ""}
    result = subprocess.run([sys.executable, "-m", "integrator", "check-config", str(good)],
                            capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert "configuration is valid" in result.stdout
    assert "guid-secret-9" not in result.stdout + result.stderr
    assert "db-secret-8" not in result.stdout + result.stderr

    bad_set = TIGER_YAML.replace("firm: 001", "firm: x")
    bad = service_tree(tmp_path / "bad", "store: memory\n", {"a.yaml": bad_set})
    result = subprocess.run([sys.executable, "-m", "integrator", "check-config", str(bad)],
                            capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 1
    assert "a.yaml: firm:" in result.stderr


def test_demo_config_is_valid(tmp_path: Path) -> None:
    from simulators.demo import DemoEnvironment, load_demo_config

    port = free_port_block(3)  # nothing is bound: the config names the demo's three ports
    cfg = load_demo_config(DemoEnvironment(port=port, data_dir=tmp_path / "demo"))
    codes = {s.code: s for s in cfg.sets}
    assert set(codes) == {"DEMO-TIGER", "DEMO-NETSIS"}
    assert codes["DEMO-TIGER"].firm_code == "001" and codes["DEMO-TIGER"].period_code == "01"
    assert codes["DEMO-NETSIS"].branch == 0
    demo = codes["DEMO-TIGER"].user("demo")
    assert demo is not None and demo.default
    assert codes["DEMO-NETSIS"].user("demo") is not None
    assert cfg.listen.port == port
    assert codes["DEMO-TIGER"].logo is not None
    assert codes["DEMO-TIGER"].logo.url.startswith(f"http://127.0.0.1:{port + 1}/")


def test_example_production_config_is_valid() -> None:
    env = {"LOGO_SECURITY_CODE": "x", "TIGER_DB_PASSWORD": "y", "TIGER_XT_PASSWORD": "z",
           "LOGO_PASSWORD": "p", "NETSIS_DB_PASSWORD": "q", "NETSIS_TEMELSET_PASSWORD": "",
           "REDIS_URL": "redis://redis:6379/0", "AYSE_NETSIS_PASSWORD": "a",
           "STORE_KEY": new_key(), "CURSOR_KEY": new_cursor_key()}
    cfg = load_config(REPO / "config" / "service.yaml", env=env)
    assert len(cfg.sets) >= 2
    assert config_warnings(cfg) == []


def test_integration_set_is_frozen() -> None:
    s = tiger_set()
    with pytest.raises(ValidationError):
        s.code = "X"  # type: ignore[misc]
    assert isinstance(s, IntegrationSet)


def test_set_files_with_bad_sql_are_refused_naming_each_statement_f4(tmp_path: Path) -> None:
    from integrator.services.sets import set_problems

    attack = TIGER_YAML + """sql:
  risk_check: "SELECT 1 AS R WAITFOR DELAY '00:00:10'"
  queries:
    ok: {sql: "SELECT CODE FROM LG_FFF_CLCARD WHERE DATE_ BETWEEN :from AND :to"}
    bad: {sql: "SELECT 1 AS X INTO #t"}
"""
    main = service_tree(tmp_path, "store: memory\n", {"a.yaml": attack})
    with pytest.raises(ConfigError) as info:
        load_config(main, env={"LOGO_SECURITY_CODE": "x", "ERP_DB_PASSWORD": "y"},
                    check=set_problems)
    assert [(Path(p.file).name, p.path) for p in info.value.problems] == [
        ("a.yaml", "sql.risk_check"), ("a.yaml", "sql.queries.bad.sql")]
    assert "WAITFOR" in info.value.problems[0].reason


def test_sentinel_store_urls_n6() -> None:
    from integrator.config import ServiceConfig, parse_sentinel_url

    url = "redis+sentinel://:pw%40x@s1:26379,s2:26380,[::1]:26381/integrator/3?sentinel_password=sp"
    cfg = ServiceConfig.model_validate({"store": url})
    assert "pw" not in repr(cfg) and "pw" not in summary(cfg) and "=sp" not in summary(cfg)
    assert "sp" not in logs.scrub(url).split("?")[1]
    target = parse_sentinel_url(cfg.store_url)
    assert target.sentinels == (("s1", 26379), ("s2", 26380), ("::1", 26381))
    assert (target.service, target.db, target.password, target.sentinel_password, target.tls) == (
        "integrator", 3, "pw@x", "sp", False)
    assert parse_sentinel_url("rediss+sentinel://s1:1/m").tls
    for bad, reason in (("redis+sentinel://s1/m", "host:port"), ("redis+sentinel://s1:1/", "path"),
                        ("redis+sentinel://s1:1/m/x", "is a number"),
                        ("redis+sentinel://s1:1/m?ssl=1", "unknown Sentinel URL parameter ssl")):
        with pytest.raises(ValidationError, match=reason):
            ServiceConfig.model_validate({"store": bad})


def test_parsed_store_and_pool_values_keep_their_secrets_out_of_repr() -> None:
    """A dataclass shows every field in its repr (pytest failures, a debugger, a stray log of
    the object): the sentinel URL's passwords and a pool's connection string are left out."""
    from integrator.config import parse_sentinel_url
    from integrator.sql.pool import Pool

    parsed = parse_sentinel_url(
        "redis+sentinel://app:redis-pw-9@s1:26379,s2:26379/main/0?sentinel_password=sent-pw-4")
    assert parsed.password == "redis-pw-9" and parsed.sentinel_password == "sent-pw-4"
    pool = Pool("S", "reader", "DRIVER={SQLite3};Database=x;PWD=db-pw-61", "sqlite", 5, 30,
                autocommit=True, idle_max=2)
    for shown in (repr(parsed), repr(pool)):
        for secret in ("redis-pw-9", "sent-pw-4", "db-pw-61"):
            assert secret not in shown
