#!/usr/bin/env bash
# OpenSearch 2.x, one node (discovery.type single-node) on loopback, HTTP on $OPENSEARCH_PORT,
# transport on $OPENSEARCH_TRANSPORT_PORT. Sourced by deploy/local/up.sh after lib.sh.
#
# OpenSearch publishes no distribution archive to Maven Central, but it does publish the server
# (org.opensearch:opensearch), the plugin class loader, and the jars of its modules
# (org.opensearch.plugin:transport-netty4-client, analysis-common, lang-painless, ...). Install
# generates a Maven reactor under $COLINK_CACHE/opensearch/build-<ver> (one pom per folder),
# copies the server's runtime jars into $OPENSEARCH_HOME/lib and each module's jars (minus those
# already in lib/) into $OPENSEARCH_HOME/modules/<name>/, and writes what the distribution zip
# would carry and Maven does not: each module's plugin-descriptor.properties and, where the
# module needs permissions, its plugin-security.policy (copied from OpenSearch's sources).
# The JVM then runs org.opensearch.bootstrap.OpenSearch with that home directory.
#
# No security plugin is installed (the same as plugins.security.disabled=true in Docker): plain
# HTTP, no authentication. Modules: see OPENSEARCH_MODULES below (the Docker image has more, and
# plugins such as k-NN; an adapter that needs one of those will not work against this node).
#
# Config ($COLINK_LOCAL/opensearch/config, rewritten on each start apart from the keystore that
# OpenSearch creates there), data, logs and tmp live under $COLINK_LOCAL/opensearch; the server's
# console log goes to $COLINK_LOCAL/log/opensearch.log.
# Reset: opensearch_stop; rm -rf "$COLINK_LOCAL/opensearch"; opensearch_start.

OPENSEARCH_VERSION="${OPENSEARCH_VERSION:-2.19.6}"
OPENSEARCH_CACHE="$COLINK_CACHE/opensearch"
OPENSEARCH_HOME="$OPENSEARCH_CACHE/opensearch-$OPENSEARCH_VERSION"
OPENSEARCH_STATE="$COLINK_LOCAL/opensearch"
OPENSEARCH_CLUSTER="${OPENSEARCH_CLUSTER:-colink-local}"
OPENSEARCH_LOG4J_VERSION="${OPENSEARCH_LOG4J_VERSION:-2.25.4}" # the log4j-api version the server's pom names
OPENSEARCH_HEAP_OPTS="${OPENSEARCH_HEAP_OPTS:--Xms512m -Xmx512m}"
# Extra JVM flags, appended last. The default keeps the JIT at C1: Painless builds its whitelist
# lookups at boot, and with C2 compiling alongside, start-up on 2 busy cores took 35-45 s instead
# of ~12 s. Test-sized queries do not need C2; set OPENSEARCH_JAVA_OPTS= (empty) to get it back.
OPENSEARCH_JAVA_OPTS="${OPENSEARCH_JAVA_OPTS--XX:TieredStopAtLevel=1}"
# Module folders to install (a subset of the distribution's modules/; each must be in
# _opensearch_module below).
OPENSEARCH_MODULES="${OPENSEARCH_MODULES:-transport-netty4 analysis-common lang-painless mapper-extras reindex parent-join aggs-matrix-stats lang-mustache ingest-common search-pipeline-common}"

# _opensearch_module NAME: prints "artifactId|plugin class|extended.plugins|description" of a
# module, as in the distribution's modules/NAME/plugin-descriptor.properties (2.19 class names).
_opensearch_module() {
  case "$1" in
    transport-netty4) echo 'transport-netty4-client|org.opensearch.transport.Netty4Plugin||Netty 4 based transport implementation' ;;
    analysis-common) echo 'analysis-common|org.opensearch.analysis.common.CommonAnalysisPlugin|lang-painless|Adds "built in" analyzers to OpenSearch.' ;;
    lang-painless) echo 'lang-painless|org.opensearch.painless.PainlessPlugin||An easy, safe and fast scripting language for OpenSearch' ;;
    mapper-extras) echo 'mapper-extras-client|org.opensearch.index.mapper.MapperExtrasPlugin||Adds advanced field mappers' ;;
    reindex) echo 'reindex-client|org.opensearch.index.reindex.ReindexPlugin||The Reindex module adds APIs to reindex from one index to another or update documents in place.' ;;
    parent-join) echo 'parent-join-client|org.opensearch.join.ParentJoinPlugin||This module adds the support parent-child queries and aggregations' ;;
    aggs-matrix-stats) echo 'aggs-matrix-stats-client|org.opensearch.search.aggregations.matrix.MatrixAggregationPlugin||Adds aggregations whose input are a list of numeric fields and output includes a matrix.' ;;
    lang-mustache) echo 'lang-mustache-client|org.opensearch.script.mustache.MustachePlugin||Mustache scripting integration for OpenSearch' ;;
    ingest-common) echo 'ingest-common|org.opensearch.ingest.common.IngestCommonPlugin|lang-painless|Module for ingest processors that do not require additional security permissions or have large dependencies and resources' ;;
    search-pipeline-common) echo 'search-pipeline-common|org.opensearch.search.pipeline.common.SearchPipelineCommonModulePlugin||Module for search pipeline processors that do not require additional security permissions or have large dependencies and resources.' ;;
    *) return 1 ;;
  esac
}

# _opensearch_policy NAME: the module's plugin-security.policy (OpenSearch runs under the Java
# security manager; a module without a policy gets no extra permissions). From
# modules/<name>/src/main/plugin-metadata/plugin-security.policy in OpenSearch.
_opensearch_policy() {
  case "$1" in
    transport-netty4) cat <<'EOF'
grant {
  // for reading the system-wide configuration for the backlog of established sockets
  permission java.io.FilePermission "/proc/sys/net/core/somaxconn", "read";
  // netty makes and accepts socket connections
  permission java.net.SocketPermission "*", "accept,connect";
  // Netty sets custom classloader for some of its internal threads
  permission java.lang.RuntimePermission "*", "setContextClassLoader";
  permission java.lang.RuntimePermission "getClassLoader";
  // Netty NioEventLoop wants to change this, because of https://bugs.openjdk.java.net/browse/JDK-6427854
  permission java.util.PropertyPermission "sun.nio.ch.bugLevel", "write";
};
EOF
    ;;
    lang-painless) cat <<'EOF'
grant {
  // needed to generate runtime classes
  permission java.lang.RuntimePermission "createClassLoader";
  // needed to find the classloader to load whitelisted classes from
  permission java.lang.RuntimePermission "getClassLoader";
};
EOF
    ;;
    reindex) cat <<'EOF'
grant {
  // reindex opens socket connections using the rest client
  permission java.net.SocketPermission "*", "connect";
};
grant codeBase "${codebase.opensearch-rest-client}" {
  // rest client uses system properties which gets the default proxy
  permission java.net.NetPermission "getProxySelector";
};
grant codeBase "${codebase.httpasyncclient}" {
  // rest client uses system properties which gets the default proxy
  permission java.net.NetPermission "getProxySelector";
};
EOF
    ;;
    lang-mustache) cat <<'EOF'
grant {
  // needed to do crazy reflection
  permission java.lang.RuntimePermission "accessDeclaredMembers";
};
EOF
    ;;
  esac
}

# OpenSearch 2.x needs the Java security manager: Java 11 to 23 (24 removed it, so the
# Temurin 25 JDK cannot run it). Prefer 21, then 17.
_opensearch_java_major() { "$1" -version 2>&1 | sed -n '1s/^[^"]*"\([0-9][0-9]*\).*/\1/p'; }
_opensearch_java() {
  local c cands=()
  if [[ -n "${OPENSEARCH_JAVA_HOME:-}" ]]; then
    cands=("$OPENSEARCH_JAVA_HOME/bin/java")
  else
    for c in /usr/lib/jvm/temurin-21-jdk-* /usr/lib/jvm/java-21-openjdk-* \
             /usr/lib/jvm/temurin-17-jdk-* /usr/lib/jvm/java-17-openjdk-*; do cands+=("$c/bin/java"); done
    [[ -n "${JAVA_HOME:-}" ]] && cands+=("$JAVA_HOME/bin/java")
    c="$(command -v java || true)"; [[ -n "$c" ]] && cands+=("$c")
  fi
  local major
  for c in "${cands[@]}"; do
    [[ -x "$c" ]] || continue
    major="$(_opensearch_java_major "$c")"
    if [[ -n "$major" ]] && (( major >= 11 && major <= 23 )); then printf '%s\n' "$c"; return 0; fi
  done
  die "opensearch: no Java 11..23 found (OpenSearch $OPENSEARCH_VERSION needs the security manager, gone in Java 24+); set OPENSEARCH_JAVA_HOME"
}

# up.sh runs installs in parallel and Maven 3.8 does not lock its local repository: one mvn at a time.
_opensearch_mvn() { flock "$COLINK_CACHE/m2.lock" mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$COLINK_CACHE/m2" "$@"; }

# _opensearch_pom DIR ARTIFACT_DEPENDENCIES_XML OUTPUT_DIR: one reactor folder.
_opensearch_pom() {
  mkdir -p "$1"
  cat >"$1/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.colink.local.opensearch</groupId>
  <artifactId>$(basename "$1")</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
$2
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version>
    <configuration><includeScope>runtime</includeScope><outputDirectory>$3</outputDirectory></configuration>
  </plugin></plugins></build>
</project>
POM
}
_opensearch_dep() { printf '    <dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version></dependency>\n' "$@"; }

opensearch_install() {
  local want="$OPENSEARCH_VERSION: $OPENSEARCH_MODULES"
  [[ -f "$OPENSEARCH_HOME/.installed" && "$(cat "$OPENSEARCH_HOME/.installed")" == "$want" ]] && return 0
  command -v mvn >/dev/null || die "opensearch: mvn not found (apt-get install maven)"
  command -v unzip >/dev/null || apt_install unzip
  command -v curl >/dev/null || apt_install curl
  local v="$OPENSEARCH_VERSION" name spec artifact ext
  local build="$OPENSEARCH_CACHE/build-$v" tmp="$OPENSEARCH_CACHE/.opensearch-$v.$$"
  for name in $OPENSEARCH_MODULES; do
    spec="$(_opensearch_module "$name")" || die "opensearch: unknown module '$name' in OPENSEARCH_MODULES"
    ext="${spec#*|*|}"; ext="${ext%%|*}"
    [[ -z "$ext" || " $OPENSEARCH_MODULES " == *" $ext "* ]] || die "opensearch: module $name needs $ext in OPENSEARCH_MODULES"
  done
  log "opensearch: resolving OpenSearch $v and modules ($OPENSEARCH_MODULES) from Maven Central"
  rm -rf "$build" "$tmp"
  # bin/ and plugins/ stay empty (no CLI tools, no plugins), but OpenSearch expects them.
  mkdir -p "$build" "$tmp/lib" "$tmp/modules" "$tmp/bin" "$tmp/plugins"
  # The server's pom marks log4j-core, spatial4j and jts-core optional, but the distribution's
  # lib/ ships them (log4j-core is the logging backend), at the versions that pom names (these
  # are 2.19.6's; checked below for log4j); the plugin class loader is a separate library
  # (libs/plugin-classloader) the distribution also puts in lib/.
  _opensearch_pom "$build/lib" "$(
    _opensearch_dep org.opensearch opensearch "$v"
    _opensearch_dep org.opensearch opensearch-plugin-classloader "$v"
    _opensearch_dep org.apache.logging.log4j log4j-core "$OPENSEARCH_LOG4J_VERSION"
    _opensearch_dep org.locationtech.spatial4j spatial4j 0.7
    _opensearch_dep org.locationtech.jts jts-core 1.15.0
  )" "$tmp/lib"
  local modules_xml="<module>lib</module>"
  for name in $OPENSEARCH_MODULES; do
    spec="$(_opensearch_module "$name")"; artifact="${spec%%|*}"
    _opensearch_pom "$build/module-$name" "$(_opensearch_dep org.opensearch.plugin "$artifact" "$v")" "$tmp/modules/$name"
    modules_xml+="<module>module-$name</module>"
  done
  cat >"$build/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.colink.local.opensearch</groupId>
  <artifactId>opensearch-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <modules>$modules_xml</modules>
</project>
POM
  _opensearch_mvn -f "$build/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies >&2 \
    || { rm -rf "$tmp"; die "opensearch: Maven could not resolve OpenSearch $v (poms in $build)"; }
  [[ -f "$tmp/lib/opensearch-$v.jar" ]] || { rm -rf "$tmp"; die "opensearch: server jar missing after resolve"; }
  [[ -f "$tmp/lib/log4j-api-$OPENSEARCH_LOG4J_VERSION.jar" ]] || {
    rm -rf "$tmp"
    die "opensearch: OpenSearch $v uses another log4j than $OPENSEARCH_LOG4J_VERSION; set OPENSEARCH_LOG4J_VERSION to the log4j-api version in its pom"
  }

  local dir jar class extended desc rest
  for name in $OPENSEARCH_MODULES; do
    dir="$tmp/modules/$name"
    spec="$(_opensearch_module "$name")"
    artifact="${spec%%|*}"; rest="${spec#*|}"
    class="${rest%%|*}"; rest="${rest#*|}"
    extended="${rest%%|*}"; desc="${rest#*|}"
    # A class in two jars of one class loader hierarchy is "jar hell": OpenSearch refuses to
    # start. Modules see lib/ (and their extended plugins) already, so drop what those hold.
    for jar in "$dir"/*.jar; do
      if [[ -e "$tmp/lib/${jar##*/}" || ( -n "$extended" && -e "$tmp/modules/$extended/${jar##*/}" ) ]]; then
        rm -f "$jar"
      fi
    done
    jar="$dir/$artifact-$v.jar"
    [[ -f "$jar" ]] || { rm -rf "$tmp"; die "opensearch: $artifact-$v.jar missing after resolve"; }
    unzip -l "$jar" "${class//.//}.class" >/dev/null 2>&1 \
      || { rm -rf "$tmp"; die "opensearch: $class not found in $artifact-$v.jar (module $name)"; }
    cat >"$dir/plugin-descriptor.properties" <<EOF
# Written by deploy/local/services/opensearch.sh (the distribution zip carries this file).
description=$desc
version=$v
name=$name
classname=$class
java.version=11
opensearch.version=$v
extended.plugins=$extended
has.native.controller=false
EOF
    _opensearch_policy "$name" >"$dir/plugin-security.policy"
    [[ -s "$dir/plugin-security.policy" ]] || rm -f "$dir/plugin-security.policy"
  done
  if pid_alive opensearch; then
    log "opensearch: stopping the running node, whose home directory is being replaced"
    opensearch_stop
  fi
  rm -rf "$OPENSEARCH_HOME"
  mv "$tmp" "$OPENSEARCH_HOME"
  printf '%s\n' "$want" >"$OPENSEARCH_HOME/.installed"
  log "opensearch: installed into $OPENSEARCH_HOME ($(du -sh "$OPENSEARCH_HOME" | cut -f1))"
}

_opensearch_write_config() {
  local conf="$OPENSEARCH_STATE/config"
  mkdir -p "$conf" "$OPENSEARCH_STATE/data" "$OPENSEARCH_STATE/logs" "$OPENSEARCH_STATE/tmp"
  cat >"$conf/opensearch.yml" <<EOF
# Generated by deploy/local/services/opensearch.sh on each start; edit the script, not this file.
cluster.name: $OPENSEARCH_CLUSTER
node.name: $OPENSEARCH_CLUSTER-1
discovery.type: single-node
network.host: 127.0.0.1
http.port: $OPENSEARCH_PORT
transport.port: $OPENSEARCH_TRANSPORT_PORT
path.data: $OPENSEARCH_STATE/data
path.logs: $OPENSEARCH_STATE/logs
# No native bits needed: no seccomp filter, no mlockall.
bootstrap.system_call_filter: false
bootstrap.memory_lock: false
# A test server: never turn indices read-only because the disk is filling up.
cluster.routing.allocation.disk.threshold_enabled: false
EOF
  # Console only: the up.sh convention is one server log, $COLINK_LOCAL/log/opensearch.log.
  cat >"$conf/log4j2.properties" <<'EOF'
status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
EOF
}

opensearch_start() {
  if opensearch_health; then log "opensearch already running on 127.0.0.1:$OPENSEARCH_PORT"; return 0; fi
  if ! pid_alive opensearch; then
    port_open "$OPENSEARCH_PORT" && die "opensearch: port $OPENSEARCH_PORT is taken by a process we did not start"
    port_open "$OPENSEARCH_TRANSPORT_PORT" && die "opensearch: port $OPENSEARCH_TRANSPORT_PORT is taken by a process we did not start"
    opensearch_install
    _opensearch_write_config
    local java major
    java="$(_opensearch_java)"; major="$(_opensearch_java_major "$java")"
    # JVM flags: the distribution's config/jvm.options (2.19), minus heap dumps and GC logs.
    # shellcheck disable=SC2206,SC2054 # HEAP_OPTS is a list of flags; SPI,COMPAT is one value
    local opts=(
      $OPENSEARCH_HEAP_OPTS
      -XX:+UseG1GC -XX:G1ReservePercent=25 -XX:InitiatingHeapOccupancyPercent=30 -Xss1m
      -XX:+ExitOnOutOfMemoryError -XX:-OmitStackTraceInFastThrow -XX:+ShowCodeDetailsInExceptionMessages
      "-XX:ErrorFile=$COLINK_LOCAL/log/opensearch-hs_err_pid%p.log"
      -Djava.awt.headless=true -Dfile.encoding=UTF-8 -Djna.nosys=true
      -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true -Dio.netty.recycler.maxCapacityPerThread=0
      -Dio.netty.allocator.numDirectArenas=0
      -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true -Dlog4j2.formatMsgNoLookups=true
      -Djava.locale.providers=SPI,COMPAT
      "-Djava.io.tmpdir=$OPENSEARCH_STATE/tmp"
      "-Dopensearch.path.home=$OPENSEARCH_HOME" "-Dopensearch.path.conf=$OPENSEARCH_STATE/config"
      -Dopensearch.distribution.type=tar -Dopensearch.bundled_jdk=false
    )
    if (( major >= 18 )); then opts+=(-Djava.security.manager=allow); fi
    # shellcheck disable=SC2206 # a list of JVM flags
    opts+=($OPENSEARCH_JAVA_OPTS)
    if (( EUID == 0 )); then
      # OpenSearch refuses to run as root, and checks that through JNA. This is a throwaway
      # loopback test server: leave JNA's native library unloaded, so the check (and the
      # native calls we switch off above anyway) is skipped with a warning in the log.
      log "opensearch: running as root, so with JNA natives disabled (skips OpenSearch's root check)"
      opts+=(-Djna.noclasspath=true)
    fi
    log "opensearch: starting $OPENSEARCH_VERSION on 127.0.0.1:$OPENSEARCH_PORT (transport $OPENSEARCH_TRANSPORT_PORT, java $major: $java)"
    # setsid detaches the server from the caller's process group; the inner shell records its
    # own pid and execs java, so the pid file names the JVM.
    # shellcheck disable=SC2016 # $$ is the inner shell's
    nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$COLINK_LOCAL/run/opensearch.pid" \
      "$java" "${opts[@]}" -cp "$OPENSEARCH_HOME/lib/*" org.opensearch.bootstrap.OpenSearch \
      </dev/null >>"$COLINK_LOCAL/log/opensearch.log" 2>&1 &
    for _ in 1 2 3 4 5 6 7 8 9 10; do [[ -s "$COLINK_LOCAL/run/opensearch.pid" ]] && break; sleep 0.1; done
  fi
  wait_for opensearch 180 opensearch_health
}

opensearch_stop() {
  pid_alive opensearch && log "opensearch: stopping"
  stop_pid opensearch
}

# Healthy once our cluster answers a cluster-health request with status yellow or green
# (single node: indices with replicas stay yellow). HTTP 408 while it is still red.
opensearch_health() {
  curl -fs -m 10 "http://127.0.0.1:$OPENSEARCH_PORT/_cluster/health?wait_for_status=yellow&timeout=5s" 2>/dev/null \
    | grep -q "\"cluster_name\":\"$OPENSEARCH_CLUSTER\""
}
