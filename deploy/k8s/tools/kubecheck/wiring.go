package main

// Wiring checks: the settings a distributed deployment needs between its parts (the gateway's
// upstream URLs and proxy trust, Kafka TLS matching the broker port). Shared by the Kubernetes
// manifests (checkWiring) and the Compose file (compose.go).

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

type wiringOptions struct {
	// upstreams: the URL variables the gateway reads; nil means "not given, do not check".
	upstreams []string
	gateway   string
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func parseUpstreamList(s string) ([]string, error) {
	vars := []string{}
	seen := map[string]bool{}
	for _, v := range strings.Split(s, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if !envName.MatchString(v) {
			return nil, fmt.Errorf("%q is not an environment variable name", v)
		}
		if !seen[v] {
			seen[v] = true
			vars = append(vars, v)
		}
	}
	if len(vars) == 0 {
		return nil, fmt.Errorf("empty list (was the list exported from services/gateway/upstreams.ts?)")
	}
	return vars, nil
}

// upstreamServiceName is the Service (or Compose service) an upstream variable must name:
// USERS_URL -> users, BI_EXPORTER_URL -> bi-exporter. "" when the name has no _URL suffix.
func upstreamServiceName(v string) string {
	if !strings.HasSuffix(v, "_URL") || len(v) == len("_URL") {
		return ""
	}
	return strings.ReplaceAll(strings.ToLower(strings.TrimSuffix(v, "_URL")), "_", "-")
}

// envValue is one resolved environment variable of a container.
type envValue struct {
	value    string
	resolved bool   // false: comes from somewhere not in the input (a Secret, a fieldRef)
	origin   string // where it was set, for messages
}

type containerEnv struct {
	vars map[string]envValue
	// opaque: envFrom sources whose keys are unknown (a Secret or ConfigMap not in the input);
	// any variable might come from them, so they are named when a variable is missing.
	opaque []string
}

func (e containerEnv) missing(name string) string {
	msg := name + " is not set"
	if len(e.opaque) > 0 {
		msg += fmt.Sprintf(" (not counting %s, which %s not in the input)", strings.Join(e.opaque, ", "),
			map[bool]string{true: "is", false: "are"}[len(e.opaque) == 1])
	}
	return msg
}

// resolveContainerEnv resolves a container's environment as the kubelet does: envFrom sources
// in order (later ones win), then env entries in order (they win over envFrom), with $(VAR)
// references to variables defined before them expanded.
func resolveContainerEnv(c corev1.Container, cms map[string]*corev1.ConfigMap, secrets map[string]*corev1.Secret) containerEnv {
	e := containerEnv{vars: map[string]envValue{}}
	for _, src := range c.EnvFrom {
		switch {
		case src.ConfigMapRef != nil:
			name := src.ConfigMapRef.Name
			cm := cms[name]
			if cm == nil {
				e.opaque = append(e.opaque, "ConfigMap "+name)
				continue
			}
			for k, v := range cm.Data {
				e.vars[src.Prefix+k] = envValue{v, true, "ConfigMap " + name}
			}
		case src.SecretRef != nil:
			name := src.SecretRef.Name
			s := secrets[name]
			if s == nil {
				e.opaque = append(e.opaque, "Secret "+name)
				continue
			}
			for k, v := range s.Data {
				e.vars[src.Prefix+k] = envValue{string(v), true, "Secret " + name}
			}
			for k, v := range s.StringData {
				e.vars[src.Prefix+k] = envValue{v, true, "Secret " + name}
			}
		}
	}
	for _, ev := range c.Env {
		switch f := ev.ValueFrom; {
		case f == nil:
			v, ok := expandK8s(ev.Value, e.vars)
			e.vars[ev.Name] = envValue{v, ok, "env"}
		case f.ConfigMapKeyRef != nil:
			ref := f.ConfigMapKeyRef
			origin := fmt.Sprintf("ConfigMap %s key %s", ref.Name, ref.Key)
			if cm := cms[ref.Name]; cm != nil {
				if v, ok := cm.Data[ref.Key]; ok {
					e.vars[ev.Name] = envValue{v, true, origin}
					continue
				}
			}
			e.vars[ev.Name] = envValue{"", false, origin}
		case f.SecretKeyRef != nil:
			ref := f.SecretKeyRef
			origin := fmt.Sprintf("Secret %s key %s", ref.Name, ref.Key)
			if s := secrets[ref.Name]; s != nil {
				if v, ok := s.StringData[ref.Key]; ok {
					e.vars[ev.Name] = envValue{v, true, origin}
					continue
				}
				if v, ok := s.Data[ref.Key]; ok {
					e.vars[ev.Name] = envValue{string(v), true, origin}
					continue
				}
			}
			e.vars[ev.Name] = envValue{"", false, origin}
		default:
			e.vars[ev.Name] = envValue{"", false, "a field or resource reference"}
		}
	}
	return e
}

// expandK8s expands $(VAR) as the kubelet does ($$ is a literal $; unknown references stay
// as written). ok is false when a referenced variable's value is not known here.
func expandK8s(s string, vars map[string]envValue) (string, bool) {
	var b strings.Builder
	ok := true
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteByte('$')
				continue
			}
			name := s[i+2 : i+2+end]
			if v, found := vars[name]; found {
				b.WriteString(v.value)
				ok = ok && v.resolved
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String(), ok
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, " ")
}

func isTrue(v string) bool { return v == "true" || v == "1" }

// checkWiring checks the gateway's settings and every Deployment's Kafka settings. It returns
// notes on what was verified, for the log.
func checkWiring(objs []runtime.Object, opts wiringOptions, errs *problems) []string {
	cms := map[string]*corev1.ConfigMap{}
	secrets := map[string]*corev1.Secret{}
	services := map[string]*corev1.Service{}
	var deployments []*appsv1.Deployment
	namespace := ""
	for _, o := range objs {
		switch v := o.(type) {
		case *corev1.ConfigMap:
			cms[v.Name] = v
		case *corev1.Secret:
			secrets[v.Name] = v
		case *corev1.Service:
			services[v.Name] = v
			namespace = v.Namespace
		case *appsv1.Deployment:
			deployments = append(deployments, v)
		}
	}
	var notes []string

	var gw *appsv1.Deployment
	for _, d := range deployments {
		if d.Name == opts.gateway {
			gw = d
		}
	}
	if gw == nil {
		errs.add("no Deployment %q (the gateway) to check the wiring of", opts.gateway)
	} else if c, ok := mainContainer(gw); !ok {
		errs.add("Deployment %s: no containers", gw.Name)
	} else {
		at := fmt.Sprintf("Deployment %s container %s", gw.Name, c.Name)
		env := resolveContainerEnv(c, cms, secrets)
		lookup := func(host string) (string, []int32, string) {
			return lookupService(host, namespace, services)
		}
		if opts.upstreams != nil {
			targets := checkUpstreams(at, env, opts.upstreams, "Service", lookup, errs)
			notes = append(notes, fmt.Sprintf("%s: %d/%d upstream URLs set to their Services: %s",
				at, len(targets), len(opts.upstreams), listOrNone(targets)))
		} else {
			notes = append(notes, at+": upstream URLs NOT checked (no -upstream-env list)")
		}
		if checkTrustProxy(at, env, errs) {
			notes = append(notes, at+": TRUST_PROXY=true")
		}
	}

	kafka := map[string][]string{}
	for _, d := range deployments {
		for _, c := range d.Spec.Template.Spec.Containers {
			at := fmt.Sprintf("Deployment %s container %s", d.Name, c.Name)
			if mode := checkKafka(at, resolveContainerEnv(c, cms, secrets), errs); mode != "" {
				kafka[mode] = append(kafka[mode], d.Name)
			}
		}
	}
	notes = append(notes, kafkaNotes(kafka)...)
	return notes
}

func kafkaNotes(kafka map[string][]string) []string {
	var notes []string
	modes := make([]string, 0, len(kafka))
	for m := range kafka {
		modes = append(modes, m)
	}
	sort.Strings(modes)
	for _, m := range modes {
		sort.Strings(kafka[m])
		notes = append(notes, fmt.Sprintf("Kafka %s: %s", m, strings.Join(kafka[m], " ")))
	}
	return notes
}

// mainContainer is the container named `app` (every CoLink Deployment's), else the only one.
func mainContainer(d *appsv1.Deployment) (corev1.Container, bool) {
	cs := d.Spec.Template.Spec.Containers
	for _, c := range cs {
		if c.Name == "app" {
			return c, true
		}
	}
	if len(cs) == 1 {
		return cs[0], true
	}
	return corev1.Container{}, false
}

// lookupService finds the in-cluster Service a URL host names: <svc>, <svc>.<ns>,
// <svc>.<ns>.svc[.<cluster domain>]. It returns the Service name and its ports, or a reason.
func lookupService(host, namespace string, services map[string]*corev1.Service) (string, []int32, string) {
	parts := strings.Split(host, ".")
	if len(parts) > 2 && parts[2] != "svc" {
		return "", nil, fmt.Sprintf("host %q is not an in-cluster Service name (<service>[.<namespace>[.svc...]])", host)
	}
	s := services[parts[0]]
	if s == nil {
		return "", nil, fmt.Sprintf("there is no Service %q in the manifests", parts[0])
	}
	if len(parts) > 1 && namespace != "" && parts[1] != namespace {
		return "", nil, fmt.Sprintf("host %q names namespace %q, but the Services are in %q", host, parts[1], namespace)
	}
	var ports []int32
	for _, p := range s.Spec.Ports {
		ports = append(ports, p.Port)
	}
	return s.Name, ports, ""
}

// checkUpstreams checks that every upstream variable is set to a plain-HTTP URL of the service
// its name says (kind: "Service" or "Compose service"), on one of that service's ports.
// lookup resolves a URL host to a service name and its ports (nil: unknown) or a reason.
// It returns "VAR=url" for every variable that passed.
func checkUpstreams(at string, env containerEnv, vars []string, kind string,
	lookup func(host string) (string, []int32, string), errs *problems) []string {
	var ok []string
	for _, name := range vars {
		v, found := env.vars[name]
		if !found {
			errs.add("%s: %s; the gateway reads it (services/gateway/upstreams.ts) and must get the URL of its upstream", at, env.missing(name))
			continue
		}
		if !v.resolved {
			errs.add("%s: %s comes from %s, which is not in the input: cannot verify it is the upstream's URL", at, name, v.origin)
			continue
		}
		u, err := url.Parse(v.value)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			errs.add("%s: %s=%q (from %s) is not an http(s) URL", at, name, v.value, v.origin)
			continue
		}
		if u.Scheme != "http" {
			errs.add("%s: %s=%q: the services serve plain HTTP inside the cluster (TLS ends at the load balancer); use http://", at, name, v.value)
			continue
		}
		svc, ports, reason := lookup(u.Hostname())
		if reason != "" {
			errs.add("%s: %s=%q: %s", at, name, v.value, reason)
			continue
		}
		if want := upstreamServiceName(name); want != "" && svc != want {
			errs.add("%s: %s=%q points at %s %q, expected %q (the variable's name)", at, name, v.value, kind, svc, want)
			continue
		}
		port := u.Port()
		if port == "" {
			port = "80"
		}
		if ports != nil && !containsPort(ports, port) {
			errs.add("%s: %s=%q: %s %q listens on port(s) %v, not %s", at, name, v.value, kind, svc, ports, port)
			continue
		}
		ok = append(ok, name+"="+v.value)
	}
	return ok
}

func containsPort(ports []int32, port string) bool {
	n, err := strconv.Atoi(port)
	if err != nil {
		return false
	}
	for _, p := range ports {
		if int(p) == n {
			return true
		}
	}
	return false
}

func checkTrustProxy(at string, env containerEnv, errs *problems) bool {
	v, found := env.vars["TRUST_PROXY"]
	switch {
	case !found:
		errs.add("%s: %s; the gateway runs behind the load balancer and must take the client IP from X-Forwarded-For (TRUST_PROXY=true)", at, env.missing("TRUST_PROXY"))
	case !v.resolved:
		errs.add("%s: TRUST_PROXY comes from %s, which is not in the input: cannot verify it is true", at, v.origin)
	case !isTrue(v.value):
		errs.add("%s: TRUST_PROXY=%q (from %s), must be true behind the load balancer", at, v.value, v.origin)
	default:
		return true
	}
	return false
}

// MSK's client ports: 9092 plaintext, 9094 TLS, 9096 SASL/SCRAM over TLS, 9098 IAM over TLS.
const (
	mskTLS   = "9094"
	mskSCRAM = "9096"
	mskIAM   = "9098"
)

// checkKafka checks that the Kafka client settings match the broker port. It returns how the
// container connects ("TLS (9094)", "SASL/SCRAM over TLS (9096)") or "" when not checked.
func checkKafka(at string, env containerEnv, errs *problems) string {
	b, found := env.vars["KAFKA_BROKERS"]
	if !found || !b.resolved {
		return ""
	}
	ports := map[string]bool{}
	for _, broker := range strings.Split(b.value, ",") {
		broker = strings.TrimSpace(broker)
		if broker == "" {
			continue
		}
		_, port, err := net.SplitHostPort(broker)
		if err != nil {
			errs.add("%s: KAFKA_BROKERS entry %q is not host:port", at, broker)
			continue
		}
		ports[port] = true
	}
	if len(ports) > 1 {
		var ps []string
		for p := range ports {
			ps = append(ps, p)
		}
		sort.Strings(ps)
		errs.add("%s: KAFKA_BROKERS mixes ports %s: one listener, one port", at, strings.Join(ps, ", "))
		return ""
	}
	var port string
	for p := range ports {
		port = p
	}
	get := func(name string) (envValue, bool) { v, ok := env.vars[name]; return v, ok }
	requireSSL := func() bool {
		v, ok := get("KAFKA_SSL")
		switch {
		case !ok:
			errs.add("%s: KAFKA_BROKERS uses port %s (MSK TLS) but %s; set KAFKA_SSL=true", at, port, env.missing("KAFKA_SSL"))
		case !v.resolved:
			errs.add("%s: KAFKA_SSL comes from %s, which is not in the input: cannot verify it is true", at, v.origin)
		case !isTrue(v.value):
			errs.add("%s: KAFKA_BROKERS uses port %s (MSK TLS) but KAFKA_SSL=%q (from %s); set KAFKA_SSL=true", at, port, v.value, v.origin)
		default:
			return true
		}
		return false
	}
	switch port {
	case mskTLS:
		good := requireSSL()
		if v, ok := get("KAFKA_SASL_USERNAME"); ok {
			errs.add("%s: KAFKA_SASL_USERNAME is set (from %s) but port 9094 is MSK's TLS listener without SASL; use port 9096 for SASL/SCRAM", at, v.origin)
			good = false
		}
		if good {
			return "TLS (9094)"
		}
	case mskSCRAM:
		good := requireSSL()
		for _, name := range []string{"KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"} {
			if _, ok := get(name); !ok {
				errs.add("%s: KAFKA_BROKERS uses port 9096 (MSK SASL/SCRAM) but %s", at, env.missing(name))
				good = false
			}
		}
		if v, ok := get("KAFKA_SASL_MECHANISM"); ok && v.resolved && v.value != "scram-sha-512" {
			errs.add("%s: KAFKA_SASL_MECHANISM=%q (from %s): MSK's SASL/SCRAM listener supports scram-sha-512 only", at, v.value, v.origin)
			good = false
		}
		if good {
			return "SASL/SCRAM over TLS (9096)"
		}
	case mskIAM:
		errs.add("%s: KAFKA_BROKERS uses port 9098 (MSK IAM), which the Kafka client (shared/platform/wiring.ts) does not support; use 9094 (TLS) or 9096 (SASL/SCRAM)", at)
	}
	return ""
}
