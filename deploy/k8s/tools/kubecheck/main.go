// kubecheck reads rendered manifests (kubectl kustomize output) on stdin and
//
//  1. decodes every document strictly into the Kubernetes API types it names: an unknown or
//     misspelt field, a wrong type, a duplicate field or an unregistered kind fails (an offline
//     stand-in for schema validation: kubeconform downloads its schemas at run time);
//  2. checks CoLink's own rules: every Deployment runs non-root on a read-only root filesystem
//     with all capabilities dropped, has /health and /ready probes, resource requests and
//     limits, Prometheus annotations, a Service and a PodDisruptionBudget selecting its pods;
//     every HPA targets an existing Deployment; all objects share one namespace.
//
// It does not check server-side rules such as required fields or admission policies.
package main

import (
	"bufio"
	"errors"
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
	var errs problems
	reader := utilyaml.NewYAMLReader(bufio.NewReader(os.Stdin))
	for i := 1; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "document %d: %v\n", i, err)
			os.Exit(2)
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
	if len(objs) == 0 {
		errs.add("no objects on stdin")
	}
	checkRules(objs, &errs)

	counts := map[string]int{}
	for _, o := range objs {
		counts[o.GetObjectKind().GroupVersionKind().Kind]++
	}
	for _, e := range errs {
		fmt.Fprintln(os.Stderr, "kubecheck:", e)
	}
	fmt.Printf("kubecheck: %d objects %v, %d problems\n", len(objs), counts, len(errs))
	if len(errs) > 0 {
		os.Exit(1)
	}
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
