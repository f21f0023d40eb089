"""What DF201's multi-stage splits know about stacks, as data in one place.

Build tools and where they write, dev servers and test runners that make an image a
development environment, runtime base images, and which apt packages are build-only
with the runtime libraries that replace them.  Package-manager facts here (install
forms, production flags) are meant to move into the managers catalogue later; the
split modules read them only through this module.
"""

from __future__ import annotations

# --- runtime base images -----------------------------------------------------------------

# `[tool.dfix.runtime-images]` keys and their defaults. None: derived from the original base
# (Node keeps its family, Python its version's -slim, Java its major's JRE).
RUNTIME_IMAGE_KEYS: dict[str, str | None] = {
    "node": None,
    "python": None,
    "java": None,
    "go": "gcr.io/distroless/static-debian12",  # CGO_ENABLED=0: a static binary, CA certs and tzdata included
    "go-cgo": "gcr.io/distroless/cc-debian12",  # cgo left on: glibc, libgcc, libstdc++ (Debian 12, as golang:*)
}

# Official toolchain images that are Debian-based (glibc): a cgo binary built there runs on Debian 12.
GLIBC_GO_TAG_WORDS = ("bookworm", "bullseye", "trixie")


# --- Node --------------------------------------------------------------------------------

# Build programs named in the build script -> the directory they write by convention,
# plus extra project files their runtime reads (`next start` reads next.config.* and public/).
# None: the directory comes from the tool's own config (tsc: tsconfig.json outDir).
NODE_BUILD_TOOLS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "tsc": (None, ()),
    "nest": ("dist", ()),
    "vite": ("dist", ()),
    "next": (".next", ("public", "next.config.js", "next.config.mjs", "next.config.ts")),
    "react-scripts": ("build", ()),
    "ng": ("dist", ()),
    "nuxt": (".output", ()),
    "webpack": ("dist", ()),
    "rollup": (None, ()),
    "esbuild": (None, ()),
    "babel": (None, ()),
}
# Config files that can move a conventional output directory: when one exists and
# names the setting, the convention is not evidence.
NODE_OUTPUT_OVERRIDES: dict[str, tuple[tuple[str, ...], str]] = {
    "vite": (("vite.config.js", "vite.config.ts", "vite.config.mjs", "vite.config.mts"), "outDir"),
    "webpack": (("webpack.config.js", "webpack.config.ts", "webpack.config.cjs", "webpack.config.mjs"), "output"),
    "nest": (("nest-cli.json",), "outDir"),
    "ng": (("angular.json",), "outputPath"),
}

# How each package manager installs everything lockfile-exact (the production-only form is
# the catalogue's `production_install`).
NODE_INSTALLS: dict[str, dict[str, str]] = {
    "npm": {"lockfile": "package-lock.json", "all": "npm ci", "run": "npm run"},
    "yarn-classic": {"lockfile": "yarn.lock", "all": "yarn install --frozen-lockfile", "run": "yarn"},
    "pnpm": {"lockfile": "pnpm-lock.yaml", "all": "pnpm install --frozen-lockfile", "run": "pnpm run"},
}
# Packages that compile a native addon (or fetch one built for the image's libraries) at
# install time. Built in the full image, they may link libraries the -slim runtime lacks,
# so a split whose runtime base differs stops at them (with the lockfile's own
# `hasInstallScript` / `requiresBuild` marks, which name any other).
NODE_NATIVE_PACKAGES = frozenset({
    "bcrypt", "sharp", "canvas", "sqlite3", "better-sqlite3", "node-sass", "argon2", "bufferutil", "utf-8-validate",
    "grpc", "leveldown", "re2", "cpu-features", "kerberos", "libxmljs", "libxmljs2", "zeromq", "node-pty", "usb",
    "serialport", "@serialport/bindings-cpp", "node-gyp", "node-rdkafka", "oracledb", "ibm_db", "farmhash",
    "microtime", "deasync", "fibers", "ref-napi", "ffi-napi", "@tensorflow/tfjs-node", "robotjs", "epoll",
    "i2c-bus", "onoff", "diskusage", "unix-dgram", "heapdump", "segfault-handler", "sodium-native", "keytar",
})
# Pure-JavaScript tools an image installs globally to run the app (`npm install -g serve`),
# with the programs they provide: the split installs them again in the runtime stage.
NODE_RUNTIME_TOOLS: dict[str, tuple[str, ...]] = {
    "serve": ("serve",),
    "http-server": ("http-server",),
    "pm2": ("pm2", "pm2-runtime"),
}
# What a full `node:N` image has that its -slim sibling has not (the buildpack layers).
NODE_FULL_IMAGE_EXTRAS = "gcc/g++, make, python3 and git"
# Commands in a single-stage Node image that only prepare or clean up and that the split
# makes moot (it copies production dependencies and the build output only).
NODE_PRUNE_COMMANDS = {("npm", "prune"), ("yarn", "autoclean"), ("pnpm", "prune"), ("npm", "cache")}
# Runtime images: the official -slim variant of the same major.
NODE_SLIM_SUFFIX = "-slim"


# --- approximate image sizes --------------------------------------------------------------

# Uncompressed sizes in MB (linux/amd64) of official images of recent tags, by repository and
# variant ("full", "slim", "alpine", "jdk", "jre"). APPROXIMATE: used only to say roughly what a
# split saves or would save; tags and releases vary by tens of MB.
APPROX_IMAGE_MB: dict[tuple[str, str], int] = {
    ("node", "full"): 1100, ("node", "slim"): 220, ("node", "alpine"): 140,
    ("python", "full"): 1000, ("python", "slim"): 130, ("python", "alpine"): 55,
    ("golang", "full"): 850, ("golang", "alpine"): 250,
    ("eclipse-temurin", "jdk"): 420, ("eclipse-temurin", "jre"): 270, ("openjdk", "jdk"): 470,
    ("maven", "full"): 520, ("gradle", "full"): 720,
    ("gcr.io/distroless/static-debian12", "full"): 2, ("gcr.io/distroless/cc-debian12", "full"): 25,
    ("gcr.io/distroless/base-debian12", "full"): 20,
    ("debian", "full"): 120, ("debian", "slim"): 75,
}


# --- dev and test images (must not split) ------------------------------------------------

# A CMD/ENTRYPOINT (or the package.json script it runs) whose program is one of these
# serves a development environment or runs tests: splitting it would remove what it needs.
DEV_PROGRAMS = frozenset({
    "nodemon", "ts-node", "ts-node-dev", "tsx", "vite", "webpack-dev-server", "jest", "mocha", "vitest",
    "karma", "ava", "pytest", "tox", "nox", "air", "reflex", "gin", "watchexec", "mvn", "mvnw", "gradle", "gradlew",
    "ng", "react-scripts", "go", "npx",
})
# (program, subcommand) pairs with the same meaning.
DEV_SUBCOMMANDS = frozenset({
    ("next", "dev"), ("nuxt", "dev"), ("nest", "start"), ("flask", "run"), ("uvicorn", "--reload"),
    ("python", "-m pytest"), ("python", "manage.py runserver"), ("python3", "manage.py runserver"),
})
# package.json scripts whose name says development or tests.
DEV_SCRIPT_NAMES = frozenset({"dev", "develop", "watch", "test", "serve", "start:dev", "test:e2e", "storybook"})


# --- Go ----------------------------------------------------------------------------------

# Top-level directories of a Go project that the program does not read at run time.
GO_NON_RUNTIME_DIRS = frozenset({
    ".git", ".github", ".gitlab", ".vscode", ".idea", ".devcontainer", "vendor", "testdata", "test", "tests",
    "docs", "doc", "hack", "scripts", "build", "deploy", "deployments", "examples", "tools", ".circleci",
})
# Top-level files that are project plumbing, never read by the running program.
GO_NON_RUNTIME_FILES = frozenset({
    "go.mod", "go.sum", "go.work", "go.work.sum", "Makefile", "Dockerfile", ".dockerignore", ".gitignore",
    ".gitattributes", ".golangci.yml", ".golangci.yaml", ".goreleaser.yml", ".goreleaser.yaml", "LICENSE",
    "docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml",
})
# Top-level plain files copied beside the binary: configuration and data formats only.
GO_RUNTIME_FILE_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".toml", ".ini", ".conf", ".cfg", ".env", ".html",
                                      ".tmpl", ".tpl", ".gohtml", ".sql", ".csv", ".pem", ".crt", ".properties"})
# Modules that need cgo to build (a go.mod requiring one keeps cgo on).
GO_CGO_MODULES = frozenset({
    "github.com/mattn/go-sqlite3", "github.com/confluentinc/confluent-kafka-go", "github.com/google/gopacket",
    "gopkg.in/gographics/imagick.v3", "github.com/tecbot/gorocksdb", "github.com/linxGnu/grocksdb",
})


# --- Java --------------------------------------------------------------------------------

JAVA_RUNTIME_IMAGE = "eclipse-temurin:{major}-jre"
# Maven plugins that make `mvn package` produce a jar carrying its dependencies.
MAVEN_FAT_JAR_PLUGINS = frozenset({"spring-boot-maven-plugin", "maven-shade-plugin", "maven-assembly-plugin",
                                   "quarkus-maven-plugin"})


# --- Python ------------------------------------------------------------------------------

PYTHON_VENV = "/opt/venv"
# apt packages that only build: compilers, headers, build systems.
PYTHON_BUILD_ONLY_PACKAGES = frozenset({
    "gcc", "g++", "cpp", "make", "cmake", "build-essential", "pkg-config", "pkgconf", "autoconf", "automake",
    "libtool", "python3-dev", "python-dev", "cython3", "swig", "gfortran", "rustc", "cargo",
})
# -dev package -> the runtime libraries it links programs against (Debian 12 names).
# A -dev package not listed here stops the split: its runtime library is not known.
DEV_RUNTIME_LIBS: dict[str, tuple[str, ...]] = {
    "libpq-dev": ("libpq5",),
    "default-libmysqlclient-dev": ("libmariadb3",),
    "libmariadb-dev": ("libmariadb3",),
    "libmariadb-dev-compat": ("libmariadb3",),
    "libmysqlclient-dev": ("libmariadb3",),
    "libffi-dev": ("libffi8",),
    "libssl-dev": ("libssl3",),
    "libxml2-dev": ("libxml2",),
    "libxslt1-dev": ("libxslt1.1",),
    "libxslt-dev": ("libxslt1.1",),
    "libjpeg-dev": ("libjpeg62-turbo",),
    "libjpeg62-turbo-dev": ("libjpeg62-turbo",),
    "zlib1g-dev": ("zlib1g",),
    "libpng-dev": ("libpng16-16",),
    "libfreetype6-dev": ("libfreetype6",),
    "libtiff-dev": ("libtiff6",),
    "libtiff5-dev": ("libtiff6",),
    "libwebp-dev": ("libwebp7",),
    "liblcms2-dev": ("liblcms2-2",),
    "libopenjp2-7-dev": ("libopenjp2-7",),
    "libsqlite3-dev": ("libsqlite3-0",),
    "libbz2-dev": ("libbz2-1.0",),
    "liblzma-dev": ("liblzma5",),
    "libyaml-dev": ("libyaml-0-2",),
    "libldap2-dev": ("libldap-2.5-0",),
    "libsasl2-dev": ("libsasl2-2",),
    "libkrb5-dev": ("libkrb5-3", "libgssapi-krb5-2"),
    "libcurl4-openssl-dev": ("libcurl4",),
    "libgeos-dev": ("libgeos-c1v5",),
    "libgdal-dev": ("libgdal32",),
    "libmagic-dev": ("libmagic1",),
    "libpcre3-dev": ("libpcre3",),
    "libsnappy-dev": ("libsnappy1v5",),
    "libzstd-dev": ("libzstd1",),
    "liblz4-dev": ("liblz4-1",),
    "libgmp-dev": ("libgmp10",),
    "libblas-dev": ("libblas3",),
    "liblapack-dev": ("liblapack3",),
    "libopenblas-dev": ("libopenblas0",),
    "unixodbc-dev": ("unixodbc",),
    "libcairo2-dev": ("libcairo2",),
    "libpango1.0-dev": ("libpango-1.0-0", "libpangocairo-1.0-0"),
    "libgirepository1.0-dev": ("libgirepository-1.0-1",),
    "libsystemd-dev": ("libsystemd0",),
    "libcap-dev": ("libcap2",),
    "libacl1-dev": ("libacl1",),
    "libre2-dev": ("libre2-9",),
    "libhdf5-dev": ("libhdf5-103-1",),
    "libsndfile1-dev": ("libsndfile1",),
    "portaudio19-dev": ("libportaudio2",),
}
# Requirements that compile against a system library when no wheel fits, with the Debian
# 12 runtime library the built extension then needs (python:X full images carry the headers).
PYTHON_SOURCE_BUILD_LIBS: dict[str, tuple[str, ...]] = {
    "psycopg2": ("libpq5",),
    "mysqlclient": ("libmariadb3",),
    "python-ldap": ("libldap-2.5-0", "libsasl2-2"),
    "pyodbc": ("unixodbc",),
    "pycairo": ("libcairo2",),
    "pygobject": ("libgirepository-1.0-1",),
    "python-magic": ("libmagic1",),
}
# Python images: the full variant's tag words that name a -slim sibling.
PYTHON_FULL_VARIANT_WORDS = ("bookworm", "bullseye", "trixie")
