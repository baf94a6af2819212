// kubecheck reads rendered manifests (kubectl kustomize output) on stdin and
//
//  1. decodes every document strictly into the Kubernetes API types it names: an unknown or
//     misspelt field, a wrong type, a duplicate field or an unregistered kind fails (an offline
//     stand-in for schema validation: kubeconform downloads its schemas at run time);
//  2. checks CoLink's own rules: every Deployment runs non-root on a read-only root filesystem
//     with all capabilities dropped, has /health and /ready probes, resource requests and
//     limits, Prometheus annotations, a Service and a PodDisruptionBudget selecting its pods;
//     every HPA targets an existing Deployment; all objects share one namespace;
//  3. checks the wiring (wiring.go): the gateway Deployment's container sets every upstream
//     URL the gateway reads (-upstream-env, the list services/gateway/upstreams.ts exports) to
//     an http URL of the in-cluster Service of that name, and TRUST_PROXY=true; every container
//     whose KAFKA_BROKERS name MSK's TLS (9094) or SASL/SCRAM (9096) port has KAFKA_SSL=true
//     (and the SASL settings for 9096). Environment values are resolved as the kubelet does:
//     envFrom ConfigMaps/Secrets in order, then env (literals with $(VAR) references,
//     configMapKeyRef, secretKeyRef); Secrets created out of band are not visible here.
//
// With -compose FILE it instead checks the same wiring in a Docker Compose file (compose.go).
//
// It does not check server-side rules such as required fields or admission policies.
//
// Usage:
//
//	kubectl kustomize deploy/k8s/overlays/prod | kubecheck -upstream-env USERS_URL,CHANNELS_URL,...
//	kubecheck -compose docker-compose.yml -upstream-env USERS_URL,CHANNELS_URL,...
//
// The list may also come from $KUBECHECK_UPSTREAM_ENV. Exit status: 0 when no problems, 1 when
// there are problems, 2 on bad usage or unreadable input.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

type problems []string

func (p *problems) add(format string, args ...interface{}) {
	*p = append(*p, fmt.Sprintf(format, args...))
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kubecheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	upstreamFlag := fs.String("upstream-env", os.Getenv("KUBECHECK_UPSTREAM_ENV"),
		"comma-separated upstream URL variables the gateway reads (default $KUBECHECK_UPSTREAM_ENV); "+
			"without it the upstream URLs are not checked")
	gateway := fs.String("gateway", "gateway", "name of the gateway Deployment (or Compose service)")
	compose := fs.String("compose", "", "check this Docker Compose file instead of manifests on stdin")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kubecheck: unexpected arguments %q\n", fs.Args())
		return 2
	}
	opts := wiringOptions{gateway: *gateway}
	if _, set := lookupFlagOrEnv(fs, "upstream-env", "KUBECHECK_UPSTREAM_ENV"); set {
		vars, err := parseUpstreamList(*upstreamFlag)
		if err != nil {
			fmt.Fprintf(stderr, "kubecheck: -upstream-env: %v\n", err)
			return 2
		}
		opts.upstreams = vars
	}

	var errs problems
	var summary string
	if *compose != "" {
		data, err := os.ReadFile(*compose)
		if err != nil {
			fmt.Fprintf(stderr, "kubecheck: %v\n", err)
			return 2
		}
		var notes []string
		notes, summary = checkCompose(*compose, data, opts, &errs)
		for _, n := range notes {
			fmt.Fprintln(stdout, "kubecheck:", n)
		}
	} else {
		objs, err := decodeAll(stdin, &errs)
		if err != nil {
			fmt.Fprintf(stderr, "kubecheck: %v\n", err)
			return 2
		}
		if len(objs) == 0 {
			errs.add("no objects on stdin")
		}
		checkRules(objs, &errs)
		for _, n := range checkWiring(objs, opts, &errs) {
			fmt.Fprintln(stdout, "kubecheck:", n)
		}
		counts := map[string]int{}
		for _, o := range objs {
			counts[o.GetObjectKind().GroupVersionKind().Kind]++
		}
		summary = fmt.Sprintf("%d objects %v", len(objs), counts)
	}

	for _, e := range errs {
		fmt.Fprintln(stderr, "kubecheck:", e)
	}
	fmt.Fprintf(stdout, "kubecheck: %s, %d problems\n", summary, len(errs))
	if len(errs) > 0 {
		return 1
	}
	return 0
}

// lookupFlagOrEnv reports whether the flag was given or the variable is set (even empty: an
// empty list from a failed export is an error, not "no check").
func lookupFlagOrEnv(fs *flag.FlagSet, name, env string) (string, bool) {
	given := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			given = true
		}
	})
	if given {
		return fs.Lookup(name).Value.String(), true
	}
	return os.LookupEnv(env)
}

// decodeAll decodes every YAML document strictly; decoding problems are collected, unreadable
// input is an error.
func decodeAll(r io.Reader, errs *problems) ([]runtime.Object, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, autoscalingv2.AddToScheme,
		policyv1.AddToScheme, networkingv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	decoder := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()

	var objs []runtime.Object
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	for i := 1; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %v", i, err)
		}
		if strings.TrimSpace(string(doc)) == "" {
			continue
		}
		obj, _, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			errs.add("document %d: %v", i, err)
			continue
		}
		objs = append(objs, obj)
	}
	return objs, nil
}

func checkRules(objs []runtime.Object, errs *problems) {
	var deployments []*appsv1.Deployment
	var services []*corev1.Service
	var pdbs []*policyv1.PodDisruptionBudget
	var hpas []*autoscalingv2.HorizontalPodAutoscaler
	namespaces := map[string]bool{}
	for _, o := range objs {
		if m, ok := o.(metav1.Object); ok {
			if _, isNs := o.(*corev1.Namespace); !isNs {
				namespaces[m.GetNamespace()] = true
			}
		}
		switch v := o.(type) {
		case *appsv1.Deployment:
			deployments = append(deployments, v)
		case *corev1.Service:
			services = append(services, v)
		case *policyv1.PodDisruptionBudget:
			pdbs = append(pdbs, v)
		case *autoscalingv2.HorizontalPodAutoscaler:
			hpas = append(hpas, v)
		}
	}
	if len(namespaces) > 1 {
		var ns []string
		for n := range namespaces {
			ns = append(ns, fmt.Sprintf("%q", n))
		}
		sort.Strings(ns)
		errs.add("objects are spread over namespaces %s", strings.Join(ns, ", "))
	}

	byName := map[string]*appsv1.Deployment{}
	for _, d := range deployments {
		byName[d.Name] = d
		checkDeployment(d, errs)
		pods := labels.Set(d.Spec.Template.Labels)
		if !some(services, func(s *corev1.Service) bool {
			return len(s.Spec.Selector) > 0 && labels.SelectorFromSet(s.Spec.Selector).Matches(pods)
		}) {
			errs.add("Deployment %s: no Service selects its pods", d.Name)
		}
		if !some(pdbs, func(p *policyv1.PodDisruptionBudget) bool {
			sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
			return err == nil && !sel.Empty() && sel.Matches(pods)
		}) {
			errs.add("Deployment %s: no PodDisruptionBudget selects its pods", d.Name)
		}
	}
	for _, h := range hpas {
		ref := h.Spec.ScaleTargetRef
		if ref.Kind != "Deployment" || byName[ref.Name] == nil {
			errs.add("HorizontalPodAutoscaler %s: target %s/%s does not exist", h.Name, ref.Kind, ref.Name)
		}
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 1 || *h.Spec.MinReplicas > h.Spec.MaxReplicas {
			errs.add("HorizontalPodAutoscaler %s: bad replica bounds", h.Name)
		}
	}
}

func checkDeployment(d *appsv1.Deployment, errs *problems) {
	at := "Deployment " + d.Name
	pod := d.Spec.Template.Spec
	if a := d.Spec.Template.Annotations; a["prometheus.io/scrape"] != "true" || a["prometheus.io/path"] != "/metrics" {
		errs.add("%s: missing prometheus.io scrape annotations", at)
	}
	if psc := pod.SecurityContext; psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		errs.add("%s: pod securityContext.runAsNonRoot is not true", at)
	}
	if len(pod.Containers) == 0 {
		errs.add("%s: no containers", at)
	}
	for _, c := range pod.Containers {
		at := at + " container " + c.Name
		sc := c.SecurityContext
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			errs.add("%s: readOnlyRootFilesystem is not true", at)
		}
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			errs.add("%s: allowPrivilegeEscalation is not false", at)
		}
		if sc == nil || sc.Capabilities == nil || !contains(sc.Capabilities.Drop, "ALL") {
			errs.add("%s: capabilities do not drop ALL", at)
		}
		if p := c.LivenessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/health" {
			errs.add("%s: liveness probe is not GET /health", at)
		}
		if p := c.ReadinessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/ready" {
			errs.add("%s: readiness probe is not GET /ready", at)
		}
		r := c.Resources
		if r.Requests.Cpu().IsZero() || r.Requests.Memory().IsZero() || r.Limits.Memory().IsZero() {
			errs.add("%s: cpu/memory requests and a memory limit are required", at)
		}
		if c.Image == "" || !strings.Contains(c.Image, ":") {
			errs.add("%s: image %q has no tag", at, c.Image)
		}
	}
}

func some[T any](xs []T, f func(T) bool) bool {
	for _, x := range xs {
		if f(x) {
			return true
		}
	}
	return false
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
