package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var upstreams = []string{"USERS_URL", "BI_EXPORTER_URL"}

const services = `
apiVersion: v1
kind: Service
metadata: {name: users, namespace: colink}
spec: {selector: {app: users}, ports: [{name: http, port: 8000}]}
---
apiVersion: v1
kind: Service
metadata: {name: bi-exporter, namespace: colink}
spec: {selector: {app: bi-exporter}, ports: [{name: http, port: 8000}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: colink-config-abc, namespace: colink}
data:
  KAFKA_BROKERS: b-1.x:9094,b-2.x:9094
  KAFKA_SSL: "true"
  BI_EXPORTER_URL: http://bi-exporter.colink.svc.cluster.local:8000
  USERS_HOST: users
`

// gateway renders the gateway Deployment with the given container env entries (YAML list
// items, indented by the caller's convention below).
func gateway(env string) string {
	return services + `
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: gateway, namespace: colink}
spec:
  selector: {matchLabels: {app: gateway}}
  template:
    metadata: {labels: {app: gateway}}
    spec:
      containers:
        - name: app
          image: gateway:1
          envFrom:
            - configMapRef: {name: colink-config-abc}
            - secretRef: {name: colink-secrets}
          env:
` + env
}

const goodEnv = `
            - {name: USERS_URL, value: "http://$(USERS_HOST):8000"}
            - {name: TRUST_PROXY, value: "true"}
`

func wiring(t *testing.T, manifests string, opts wiringOptions) (problems, []string) {
	t.Helper()
	var errs problems
	objs, err := decodeAll(strings.NewReader(manifests), &errs)
	if err != nil || len(errs) > 0 {
		t.Fatalf("decode: %v %v", err, errs)
	}
	notes := checkWiring(objs, opts, &errs)
	return errs, notes
}

func expectProblems(t *testing.T, errs problems, want ...string) {
	t.Helper()
	if len(want) == 0 && len(errs) > 0 {
		t.Fatalf("unexpected problems:\n%s", strings.Join(errs, "\n"))
	}
	for _, w := range want {
		if !some(errs, func(e string) bool { return strings.Contains(e, w) }) {
			t.Errorf("no problem mentions %q; problems:\n%s", w, strings.Join(errs, "\n"))
		}
	}
	if len(errs) != len(want) {
		t.Errorf("want %d problems, got %d:\n%s", len(want), len(errs), strings.Join(errs, "\n"))
	}
}

func TestWiringPassesAndResolvesEnvFromAndReferences(t *testing.T) {
	errs, notes := wiring(t, gateway(goodEnv), wiringOptions{upstreams, "gateway"})
	expectProblems(t, errs)
	joined := strings.Join(notes, "\n")
	for _, w := range []string{"2/2 upstream URLs", "USERS_URL=http://users:8000", "TRUST_PROXY=true", "Kafka TLS (9094): gateway"} {
		if !strings.Contains(joined, w) {
			t.Errorf("notes lack %q:\n%s", w, joined)
		}
	}
}

func TestWiringFailures(t *testing.T) {
	cases := []struct {
		name, env string
		want      []string
	}{
		{"missing upstream", `
            - {name: TRUST_PROXY, value: "true"}
`, []string{"USERS_URL is not set (not counting Secret colink-secrets"}},
		{"not a URL", `
            - {name: USERS_URL, value: "users:8000"}
            - {name: TRUST_PROXY, value: "true"}
`, []string{`USERS_URL="users:8000" (from env) is not an http(s) URL`}},
		{"wrong service", `
            - {name: USERS_URL, value: "http://bi-exporter:8000"}
            - {name: TRUST_PROXY, value: "true"}
`, []string{`points at Service "bi-exporter", expected "users"`}},
		{"unknown service", `
            - {name: USERS_URL, value: "http://userz:8000"}
            - {name: TRUST_PROXY, value: "true"}
`, []string{`there is no Service "userz"`}},
		{"external host", `
            - {name: USERS_URL, value: "http://users.example.com:8000"}
            - {name: TRUST_PROXY, value: "true"}
`, []string{"is not an in-cluster Service name"}},
		{"wrong port", `
            - {name: USERS_URL, value: "http://users"}
            - {name: TRUST_PROXY, value: "true"}
`, []string{"listens on port(s) [8000], not 80"}},
		{"https inside", `
            - {name: USERS_URL, value: "https://users:8000"}
            - {name: TRUST_PROXY, value: "true"}
`, []string{"plain HTTP"}},
		{"from an unseen secret", `
            - name: USERS_URL
              valueFrom: {secretKeyRef: {name: s, key: k}}
            - {name: TRUST_PROXY, value: "true"}
`, []string{"USERS_URL comes from Secret s key k"}},
		{"trust proxy off", `
            - {name: USERS_URL, value: "http://users:8000"}
            - {name: TRUST_PROXY, value: "false"}
`, []string{`TRUST_PROXY="false"`}},
		{"trust proxy missing", `
            - {name: USERS_URL, value: "http://users:8000"}
`, []string{"TRUST_PROXY is not set"}},
		{"kafka tls off", `
            - {name: USERS_URL, value: "http://users:8000"}
            - {name: TRUST_PROXY, value: "true"}
            - {name: KAFKA_SSL, value: "false"}
`, []string{`port 9094 (MSK TLS) but KAFKA_SSL="false"`}},
		{"sasl on the tls port", `
            - {name: USERS_URL, value: "http://users:8000"}
            - {name: TRUST_PROXY, value: "true"}
            - {name: KAFKA_SASL_USERNAME, value: "colink"}
`, []string{"port 9094 is MSK's TLS listener without SASL"}},
		{"scram without credentials", `
            - {name: USERS_URL, value: "http://users:8000"}
            - {name: TRUST_PROXY, value: "true"}
            - {name: KAFKA_BROKERS, value: "b-1.x:9096"}
`, []string{"9096 (MSK SASL/SCRAM) but KAFKA_SASL_USERNAME is not set", "KAFKA_SASL_PASSWORD is not set"}},
		{"iam port", `
            - {name: USERS_URL, value: "http://users:8000"}
            - {name: TRUST_PROXY, value: "true"}
            - {name: KAFKA_BROKERS, value: "b-1.x:9098"}
`, []string{"9098 (MSK IAM)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs, _ := wiring(t, gateway(c.env), wiringOptions{upstreams, "gateway"})
			expectProblems(t, errs, c.want...)
		})
	}
}

func TestWiringScramPasses(t *testing.T) {
	env := goodEnv + `
            - {name: KAFKA_BROKERS, value: "b-1.x:9096,b-2.x:9096"}
            - {name: KAFKA_SASL_USERNAME, value: colink}
            - name: KAFKA_SASL_PASSWORD
              valueFrom: {secretKeyRef: {name: colink-secrets, key: KAFKA_SASL_PASSWORD}}
`
	errs, notes := wiring(t, gateway(env), wiringOptions{upstreams, "gateway"})
	expectProblems(t, errs)
	if !strings.Contains(strings.Join(notes, "\n"), "SASL/SCRAM over TLS (9096): gateway") {
		t.Errorf("notes: %v", notes)
	}
}

func TestWiringWithoutListChecksTheRest(t *testing.T) {
	errs, notes := wiring(t, gateway(`
            - {name: TRUST_PROXY, value: "true"}
`), wiringOptions{nil, "gateway"})
	expectProblems(t, errs)
	if !strings.Contains(strings.Join(notes, "\n"), "NOT checked") {
		t.Errorf("notes: %v", notes)
	}
	errs, _ = wiring(t, services, wiringOptions{upstreams, "gateway"})
	expectProblems(t, errs, `no Deployment "gateway"`)
}

func TestParseUpstreamList(t *testing.T) {
	got, err := parseUpstreamList(" USERS_URL, CHANNELS_URL,USERS_URL,\n")
	if err != nil || strings.Join(got, ",") != "USERS_URL,CHANNELS_URL" {
		t.Fatalf("got %v %v", got, err)
	}
	for _, bad := range []string{"", " , ", "USERS URL", "users-url"} {
		if _, err := parseUpstreamList(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

const compose = `
x-env: &env
  PORT: "8000"
  KAFKA_BROKERS: kafka:9092
x-svc: &svc
  environment: *env
services:
  users:
    <<: *svc
  bi-exporter:
    environment:
      - PORT=9000
  gateway:
    <<: *svc
    env_file: gateway.env
    environment:
      <<: *env
      USERS_URL: ${USERS_URL:-http://users:8000}
`

func composeCheck(t *testing.T, text, envFile string) (problems, []string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "docker-compose.yml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "gateway.env"), []byte(envFile), 0o644); err != nil {
		t.Fatal(err)
	}
	var errs problems
	notes, _ := checkCompose(path, []byte(text), wiringOptions{upstreams, "gateway"}, &errs)
	return errs, notes
}

func TestCompose(t *testing.T) {
	errs, notes := composeCheck(t, compose, "# comment\nBI_EXPORTER_URL=\"http://bi-exporter:9000\"\n")
	expectProblems(t, errs)
	if !strings.Contains(strings.Join(notes, "\n"), "2/2 upstream URLs") {
		t.Errorf("notes: %v", notes)
	}

	errs, _ = composeCheck(t, compose, "")
	expectProblems(t, errs, "service gateway: BI_EXPORTER_URL is not set")

	errs, _ = composeCheck(t, compose, "BI_EXPORTER_URL=http://bi-exporter:8000\n")
	expectProblems(t, errs, `"bi-exporter" listens on port(s) [9000], not 8000`)

	errs, _ = composeCheck(t, strings.Replace(compose, "${USERS_URL:-http://users:8000}", "${USERS_URL}", 1),
		"BI_EXPORTER_URL=http://bi-exporter:9000\n")
	expectProblems(t, errs, "USERS_URL comes from environment, which is not in the input")

	errs, _ = composeCheck(t, strings.Replace(compose, "kafka:9092", "b-1:9094", 1),
		"BI_EXPORTER_URL=http://bi-exporter:9000\n")
	expectProblems(t, errs, "service gateway: KAFKA_BROKERS uses port 9094", "service users: KAFKA_BROKERS uses port 9094")
}

func TestRunExitCodes(t *testing.T) {
	var out, stderr bytes.Buffer
	manifests := gateway(goodEnv)
	if code := run([]string{"-upstream-env", "USERS_URL"}, strings.NewReader(manifests), &out, &stderr); code != 1 {
		// The fixture is minimal (no probes, PDBs...): the general rules fail, so 1.
		t.Fatalf("exit %d, want 1; %s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), "USERS_URL") {
		t.Errorf("the upstream passed but is reported: %s", stderr.String())
	}
	stderr.Reset()
	if code := run([]string{"-upstream-env", ""}, strings.NewReader(manifests), &out, &stderr); code != 2 {
		t.Fatalf("empty list: exit %d, want 2", code)
	}
}
