# Shared by ./codeact, ./test and ./bench: find a JDK 21+, install what the sandbox needs, build the jars.
# Each step says what it does on stderr; nothing here runs silently for long.

CODEACT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf 'codeact: %s\n' "$*" >&2; }

# What each java binary said its major version was, one "path size time<TAB>major" a line: asking a JVM costs
# a tenth of a second on every call, and the answer only changes with the binary.
JAVA_VERSIONS="$CODEACT_ROOT/.tools/java-versions"

# Prints the major version of the java binary given, or nothing.
java_major() {
  local id major
  id="$(stat -L -c '%n %s %Y' "$1" 2>/dev/null)" || return 0
  major="$(awk -F '\t' -v id="$id" '$1 == id { major = $2 } END { print major }' "$JAVA_VERSIONS" 2>/dev/null)"
  if [ -z "$major" ]; then
    major="$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1)"
    if [ -n "$major" ]; then # remembered only if .tools/ can be written
      { mkdir -p "$(dirname "$JAVA_VERSIONS")" && printf '%s\t%s\n' "$id" "$major" >> "$JAVA_VERSIONS"; } 2>/dev/null || true
    fi
  fi
  printf '%s\n' "$major"
}

# Sets JAVA_HOME to a JDK 21 or newer: JAVA_HOME if it qualifies, else the newest under /usr/lib/jvm.
find_jdk() {
  local candidate major
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    major="$(java_major "$JAVA_HOME/bin/java")"
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then return 0; fi
  fi
  for candidate in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    candidate="${candidate%/}"
    [ -x "$candidate/bin/javac" ] || continue
    major="$(java_major "$candidate/bin/java")"
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  say "no JDK 21 or newer found (looked at JAVA_HOME=${JAVA_HOME:-unset} and /usr/lib/jvm/*)."
  say "install one, for example: sudo apt-get install openjdk-21-jdk-headless (or Temurin 21+), then set JAVA_HOME to it."
  exit 3
}

# Debian packages the sandbox and the build need, as "package:check" pairs.
REQUIRED_PACKAGES=(
  "bubblewrap:command -v bwrap"
  "libseccomp2:test -e /usr/lib/x86_64-linux-gnu/libseccomp.so.2 || ldconfig -p | grep -q libseccomp.so.2"
  "e2fsprogs:test -x /usr/sbin/mkfs.ext4"
  "maven:command -v mvn"
  "python3:test -x /usr/bin/python3"
  "python3-numpy:/usr/bin/python3 -c 'import numpy'"
  "python3-pandas:/usr/bin/python3 -c 'import pandas'"
  "python3-scipy:/usr/bin/python3 -c 'import scipy'"
  "python3-matplotlib:/usr/bin/python3 -c 'import matplotlib'"
  "python3-sklearn:/usr/bin/python3 -c 'import sklearn'"
  "python3-requests:/usr/bin/python3 -c 'import requests'"
)

# The packages already found installed, so that a later call does not import numpy, pandas, scipy... again (about
# a second): one fingerprint per line (see packages_fingerprint), the latest few kept. Under .tools/, not committed.
PACKAGES_VERIFIED="$CODEACT_ROOT/.tools/packages-verified"

# A fingerprint of what the checks depend on: the checks themselves, PATH, Debian's package database (dpkg
# rewrites its status file on every install and removal), /usr/bin/python3 (what it points to) and the
# directories pip installs into. Anything of these changing means checking again.
packages_fingerprint() {
  {
    printf '%s\n' "$@" "PATH=$PATH"
    stat -L -c '%n %Y %s %i' /var/lib/dpkg/status /usr/bin/python3 /usr/lib/python3/dist-packages \
      /usr/local/lib/python3*/dist-packages 2>/dev/null
  } | sha256sum | cut -d ' ' -f 1
}

# Prints the packages among the "package:check" pairs given whose check fails, one a line.
missing_packages() {
  local entry
  for entry in "$@"; do
    if ! (eval "${entry#*:}") >/dev/null 2>&1; then printf '%s\n' "${entry%%:*}"; fi
  done
}

# Installs missing packages when root with apt; otherwise prints the command and stops. The checks run once:
# what they found is remembered until something they depend on changes.
# Extra "package:check" pairs may be passed (the benchmarks need Jupyter, say).
ensure_packages() {
  local entries=("${REQUIRED_PACKAGES[@]}" "$@") missing=()
  if [ -f "$PACKAGES_VERIFIED" ] && grep -qxF "$(packages_fingerprint "${entries[@]}")" "$PACKAGES_VERIFIED"; then
    return 0
  fi
  say "checking the packages the sandbox needs (bubblewrap, python3 with numpy, pandas, ...; remembered in .tools/ until they change)..."
  mapfile -t missing < <(missing_packages "${entries[@]}")
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "installing what the sandbox needs (bubblewrap isolates the code; Debian's python3 runs it): ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -q >&2 || { say "apt-get update failed; run it by hand and try again."; exit 3; }
      apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || { say "apt-get install failed: ${missing[*]}"; exit 3; }
      mapfile -t missing < <(missing_packages "${entries[@]}")
      if [ ${#missing[@]} -gt 0 ]; then
        say "installed, but their checks still fail: ${missing[*]} (see scripts/lib.sh's REQUIRED_PACKAGES)"
        exit 3
      fi
    else
      say "missing Debian packages: ${missing[*]}"
      say "install them with: sudo apt-get install ${missing[*]}"
      exit 3
    fi
  fi
  # Remembered only if .tools/ can be written; a read-only checkout just checks every time.
  { mkdir -p "$(dirname "$PACKAGES_VERIFIED")" \
      && { tail -n 7 "$PACKAGES_VERIFIED" 2>/dev/null; packages_fingerprint "${entries[@]}"; } > "$PACKAGES_VERIFIED.$$" \
      && mv "$PACKAGES_VERIFIED.$$" "$PACKAGES_VERIFIED"; } 2>/dev/null || true
}

# When codeact runs as root, sessions run code as this unprivileged system user, so that nothing the code does
# is root's on the host (the library falls back to an unnamed uid when it does not exist).
SANDBOX_USER="codeact-sandbox"

ensure_sandbox_user() {
  [ "$(id -u)" -eq 0 ] || return 0
  id "$SANDBOX_USER" >/dev/null 2>&1 && return 0
  say "creating the system user $SANDBOX_USER: codeact started as root runs code as this user, never as root..."
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SANDBOX_USER" >&2 \
    || say "could not create $SANDBOX_USER; sessions run code as the unnamed uid 2000000000 instead."
}

# Maven, quiet, without the colour resets it prints even in batch mode on newer JDKs.
mvn_quiet() {
  MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" mvn -B -q -f "$CODEACT_ROOT/pom.xml" "$@" 2>&1 \
    | sed -u 's/\x1b\[[0-9;]*m//g'
  return "${PIPESTATUS[0]}"
}

CLI_JAR="$CODEACT_ROOT/codeact-cli/target/codeact.jar"

# Builds the CLI jar when it is missing or older than any source or pom.
ensure_cli_jar() {
  local newer
  if [ -f "$CLI_JAR" ]; then
    newer="$(find "$CODEACT_ROOT/pom.xml" "$CODEACT_ROOT"/codeact-* \
      \( -path '*/target' -prune \) -o \( -type f -newer "$CLI_JAR" -print -quit \) 2>/dev/null)"
    [ -z "$newer" ] && return 0
    say "sources changed since the last build ($newer): rebuilding the CLI..."
  else
    say "building the codeact CLI (first use; Maven downloads its dependencies once, this takes a minute or two)..."
  fi
  mvn_quiet -DskipTests -pl codeact-cli -am package >&2 || { say "the build failed; see the messages above."; exit 3; }
}

# npm packages the tests use, installed under .tools/npm (not committed) and handed to Maven as -Dcodeact.npmTools.
NPM_TOOLS="$CODEACT_ROOT/.tools/npm"
# The reference MCP servers, pinned like every dependency: the MCP tests call the memory server's tools from
# sandboxed code; the tool-listing measurement (BENCHMARKS.md) starts all three.
MCP_MEMORY_SERVER="@modelcontextprotocol/server-memory@2026.8.31"
MCP_FILESYSTEM_SERVER="@modelcontextprotocol/server-filesystem@2026.8.31"
MCP_EVERYTHING_SERVER="@modelcontextprotocol/server-everything@2026.8.31"
TEST_NPM_PACKAGES=("$MCP_MEMORY_SERVER" "$MCP_FILESYSTEM_SERVER" "$MCP_EVERYTHING_SERVER")

# Installs the npm packages the tests use when one is missing or of another version (once; later runs find them).
ensure_test_npm_packages() {
  local package package_json missing=()
  for package in "${TEST_NPM_PACKAGES[@]}"; do
    package_json="$NPM_TOOLS/node_modules/${package%@*}/package.json"
    if [ ! -f "$package_json" ] || ! grep -q "\"version\": *\"${package##*@}\"" "$package_json"; then
      missing+=("$package")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v npm >/dev/null 2>&1; then
    ensure_packages "nodejs:command -v node" "npm:command -v npm"
  fi
  say "installing ${missing[*]} into .tools/npm with npm (MCP servers the tests and benchmarks start)..."
  npm install --prefix "$NPM_TOOLS" --no-audit --no-fund --loglevel=error "${missing[@]}" >&2 \
    || { say "npm install of ${missing[*]} failed; see the messages above."; exit 3; }
}

# The web page's tests (codeact-server's PageTest) drive Debian's Chromium through its chromedriver with Selenium,
# which is told both paths and downloads nothing. Checked and remembered with the other packages (.tools/).
TEST_BROWSER_PACKAGES=(
  "chromium:test -x /usr/bin/chromium"
  "chromium-driver:test -x /usr/bin/chromedriver"
)

# Installs Chromium and its driver for the page's tests when they are missing (once; later runs find them).
ensure_test_browser() {
  ensure_packages "${TEST_BROWSER_PACKAGES[@]}"
}

# The npm data stack of JavaScript sessions, pinned in the kernel's package.json (the one list; SandboxPolicy names
# the packages), installed with npm into a directory the sandbox mounts read-only: $CODEACT_HOME/javascript for
# ./codeact (the library looks there), .tools/javascript for ./test and ./bench (handed over as -Dcodeact.jsPackages).
JS_PACKAGE_JSON="$CODEACT_ROOT/codeact-sandbox/src/main/resources/dev/codeact4j/sandbox/kernels/javascript/package.json"
JS_PACKAGES_TOOLS="$CODEACT_ROOT/.tools/javascript"

# Installs Node.js (18 or newer, Debian's nodejs) and the data stack into the directory given, once: a later call
# finds the same package.json there and its node_modules.
ensure_javascript() {
  local dir="$1" major
  ensure_packages "nodejs:command -v node" "npm:command -v npm"
  major="$(node --version 2>/dev/null | sed -n 's/^v\([0-9]*\)\..*/\1/p')"
  if [ -z "$major" ] || [ "$major" -lt 18 ]; then
    say "JavaScript sessions need Node.js 18 or newer; $(command -v node) is ${major:+v}${major:-unknown}. Install a newer nodejs."
    exit 3
  fi
  if [ -d "$dir/node_modules" ] && cmp -s "$JS_PACKAGE_JSON" "$dir/package.json"; then return 0; fi
  say "installing the JavaScript data stack (papaparse, simple-statistics, date-fns, vega, vega-lite) into $dir with npm..."
  mkdir -p "$dir" && cp "$JS_PACKAGE_JSON" "$dir/package.json" \
    && npm install --prefix "$dir" --no-audit --no-fund --omit=optional --loglevel=error >&2 \
    || { rm -f "$dir/package.json"; say "npm install of the JavaScript data stack failed; see the messages above."; exit 3; }
}

# Whether the codeact command asks for JavaScript sessions, so that a Python-only user never needs Node: --lang js
# (or --language, -l, --js), `codeact mcp` and `codeact serve` (their clients may ask for either language), or "language" set to JavaScript
# in $CODEACT_HOME/config.json.
wants_javascript() {
  local previous="" arg config="${CODEACT_HOME:-$HOME/.codeact}/config.json"
  case "${1:-}" in mcp|serve) return 0 ;; esac
  if [ -f "$config" ] && grep -Eiq '"language"[[:space:]]*:[[:space:]]*"(js|javascript|node)"' "$config"; then
    return 0
  fi
  for arg in "$@"; do
    case "$arg" in
      --language=js|--language=javascript|--language=node|--lang=js|--lang=javascript|--js) return 0 ;;
    esac
    if [ "$previous" = "--language" ] || [ "$previous" = "--lang" ] || [ "$previous" = "-l" ]; then
      case "$arg" in js|javascript|node|JS|JavaScript|Javascript) return 0 ;; esac
    fi
    previous="$arg"
  done
  return 1
}
