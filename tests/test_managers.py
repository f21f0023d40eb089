"""The package-manager catalogue: every record is complete, and the recogniser agrees with it."""

from __future__ import annotations

import pytest

from dfix.managers import MANAGERS, Kind, recognise
from dfix.shell.parse import parse_shell

PROJECT_MANAGERS = [m for m in MANAGERS if m.ecosystem != "system"]


def _call(text: str):
    return recognise(parse_shell(text).commands[0])


@pytest.mark.parametrize("manager", MANAGERS, ids=lambda m: m.name)
def test_every_manager_has_a_cache_recipe_or_says_why_not(manager):
    assert manager.mounts or manager.mount_opt_out, f"{manager.name}: no mount recipe and no opt-out"
    assert not (manager.mounts and manager.mount_opt_out)
    for recipe in manager.mounts:
        if recipe.caches is not None:
            assert all(0 <= i < len(manager.caches) for i in recipe.caches)
        assert recipe.fixed_targets or manager.caches or recipe.settings_decide, \
            f"{manager.name}: a mount recipe with no cache directory to mount"


@pytest.mark.parametrize("manager", MANAGERS, ids=lambda m: m.name)
def test_every_manager_has_a_lockfile_exact_form_or_says_why_not(manager):
    assert bool(manager.exact) != bool(manager.exact_opt_out), manager.name


@pytest.mark.parametrize("manager", PROJECT_MANAGERS, ids=lambda m: m.name)
def test_every_manager_has_a_lockfile_policy_for_df101(manager):
    """DF101 moves installs above the source COPY only when it knows whether they rewrite a lockfile."""
    if manager.lockfiles:
        assert manager.lock_writes or manager.lock_policy, f"{manager.name}: lockfiles but no policy"
    for verb, write in manager.lock_writes.items():
        assert set(write.lockfiles) <= set(manager.lockfiles), f"{manager.name} {verb}: unknown lockfile"


@pytest.mark.parametrize("manager", PROJECT_MANAGERS, ids=lambda m: m.name)
def test_every_manager_has_a_dependencies_only_form_or_says_why_not(manager):
    assert bool(manager.deps_only) != bool(manager.deps_only_opt_out), manager.name


@pytest.mark.parametrize("manager", MANAGERS, ids=lambda m: m.name)
def test_the_recogniser_knows_every_program_of_a_record(manager):
    for program in manager.programs:
        call = _call(f"{program} --version")
        assert manager in call.managers, f"{program} is not recognised as {manager.name}"


@pytest.mark.parametrize("manager", MANAGERS, ids=lambda m: m.name)
def test_mount_and_lock_verbs_are_verbs_the_recogniser_knows(manager):
    program = sorted(manager.programs)[0] if manager.programs else None
    if program is None:
        pytest.skip(f"{manager.name} has no program of its own")
    verbs = {v for r in manager.mounts for v in r.verbs} | set(manager.lock_writes)
    if manager.exact:
        verbs |= set(manager.exact.verbs)
    two_level = {"mod": "mod download", "pip": "pip install -r requirements.txt"}  # `go mod`, `uv pip`
    for verb in verbs:
        text = f"{program} {two_level.get(verb, verb)}" if verb else program
        if manager.classify is not None and verb in ("install", "wheel", "download"):
            text += " -r requirements.txt"
        assert _call(text).kind is not Kind.UNKNOWN, f"`{text}` is unknown to the recogniser"


@pytest.mark.parametrize("text, manager, kind", [
    ("pip3.12 install -r requirements.txt", "pip", Kind.INSTALL),
    ("python3.12 -m pip install --no-cache-dir -r req.txt", "pip", Kind.INSTALL),
    ("pip install poetry==1.8", "pip", Kind.TOOL),
    ("pip install -e .", "pip", Kind.PROJECT),
    ("uv pip install --system -r requirements.txt", "uv", Kind.INSTALL),
    ("uv sync --frozen --no-install-project", "uv", Kind.INSTALL),
    ("uv sync --frozen", "uv", Kind.PROJECT),
    ("poetry install --no-root", "poetry", Kind.INSTALL),
    ("python setup.py install", "setuptools", Kind.PROJECT),
    ("npm ci", "npm", Kind.INSTALL),
    ("npm install express", "npm", Kind.ADD),
    ("npm i -g pnpm@9", "npm", Kind.TOOL),
    ("npm run build", "npm", Kind.BUILD),
    ("npm cache clean --force", "npm", Kind.CLEANUP),
    ("corepack yarn install --immutable", "yarn-classic", Kind.INSTALL),
    ("corepack enable", "corepack", Kind.TOOL),
    ("bun install --frozen-lockfile", "bun", Kind.INSTALL),
    ("bun run build", "bun", Kind.BUILD),
    ("pnpm fetch --prod", "pnpm", Kind.FETCH),
    ("go mod download", "go", Kind.FETCH),
    ("go install github.com/x/y@v1", "go", Kind.TOOL),
    ("go build -o /app ./cmd/app", "go", Kind.BUILD),
    ("./mvnw -B dependency:go-offline", "maven", Kind.FETCH),
    ("mvn -v", "maven", Kind.INERT),
    ("./gradlew bootJar", "gradle", Kind.BUILD),
    ("apt-get update", "apt", Kind.INDEX),
    ("apt-get -o Dpkg::Options::=--force-confnew install -y curl", "apt", Kind.TOOL),
    ("apk add --no-cache curl", "apk", Kind.TOOL),
    ("microdnf install -y java", "dnf", Kind.TOOL),
])
def test_recognise(text, manager, kind):
    call = _call(text)
    assert call.managers and call.managers[0].name == manager, [m.name for m in call.managers]
    assert call.kind is kind


@pytest.mark.parametrize("text", ["make build", "./build.sh", "node scripts/gen.js", "python manage.py collectstatic",
                                  "sh -c 'npm ci'", "bash install.sh"])
def test_what_dfix_does_not_know_is_unknown(text):
    call = _call(text)
    assert call.kind is Kind.UNKNOWN and not call.managers
    assert call.reads_project_files


@pytest.mark.parametrize("text", ["npm prune --omit=dev", "npm dedupe", "yarn remove left-pad", "pnpm prune --prod"])
def test_commands_that_change_node_modules_are_not_cache_cleanups(text):
    """DF102 removes cache cleanups inside a mount; these change the installed packages instead."""
    assert _call(text).kind is not Kind.CLEANUP
