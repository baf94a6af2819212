package main

// The wiring checks of wiring.go on a Docker Compose file: the gateway service sets every
// upstream URL to the Compose service of that name (on the port that service's PORT says), and
// every service whose KAFKA_BROKERS names MSK's TLS/SCRAM ports has the matching settings.
// TRUST_PROXY is not required here: the Compose gateway publishes its port directly, with no
// load balancer in front whose X-Forwarded-For could be trusted.

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

type composeFile struct {
	Services map[string]composeService `json:"services"`
}

type composeService struct {
	// A map (KEY: value) or a list ("KEY=value"); values may be strings, numbers or booleans.
	Environment interface{} `json:"environment"`
	// A path, a list of paths, or a list of {path, required}.
	EnvFile interface{} `json:"env_file"`
}

// checkCompose checks the Compose file (YAML anchors and `<<` merge keys are resolved by the
// YAML decoder). It returns notes on what was verified and a one-line summary.
func checkCompose(path string, data []byte, opts wiringOptions, errs *problems) ([]string, string) {
	var f composeFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		errs.add("%s: %v", path, err)
		return nil, path
	}
	summary := fmt.Sprintf("%s: %d services", path, len(f.Services))
	envs := map[string]containerEnv{}
	names := make([]string, 0, len(f.Services))
	for name, s := range f.Services {
		names = append(names, name)
		env, err := composeEnv(filepath.Dir(path), s)
		if err != nil {
			errs.add("%s service %s: %v", path, name, err)
		}
		envs[name] = env
	}
	sort.Strings(names)

	var notes []string
	gw, ok := envs[opts.gateway]
	switch {
	case !ok:
		errs.add("%s: no service %q (the gateway)", path, opts.gateway)
	case opts.upstreams == nil:
		notes = append(notes, fmt.Sprintf("%s service %s: upstream URLs NOT checked (no -upstream-env list)", path, opts.gateway))
	default:
		at := fmt.Sprintf("%s service %s", path, opts.gateway)
		lookup := func(host string) (string, []int32, string) {
			env, ok := envs[host]
			if !ok {
				return "", nil, fmt.Sprintf("there is no service %q in %s", host, path)
			}
			p, ok := env.vars["PORT"]
			if !ok || !p.resolved {
				return host, nil, "" // port not known: not checked
			}
			n, err := strconv.Atoi(p.value)
			if err != nil {
				return "", nil, fmt.Sprintf("service %q has PORT=%q", host, p.value)
			}
			return host, []int32{int32(n)}, ""
		}
		targets := checkUpstreams(at, gw, opts.upstreams, "Compose service", lookup, errs)
		notes = append(notes, fmt.Sprintf("%s: %d/%d upstream URLs set to their services: %s",
			at, len(targets), len(opts.upstreams), listOrNone(targets)))
	}

	kafka := map[string][]string{}
	for _, name := range names {
		if mode := checkKafka(fmt.Sprintf("%s service %s", path, name), envs[name], errs); mode != "" {
			kafka[mode] = append(kafka[mode], name)
		}
	}
	notes = append(notes, kafkaNotes(kafka)...)
	return notes, summary
}

// composeEnv resolves a service's environment: env_file entries in order, then `environment`
// (which wins), each value interpolated as Compose does, with defaults only (CI does not
// depend on the host's environment).
func composeEnv(dir string, s composeService) (containerEnv, error) {
	env := containerEnv{vars: map[string]envValue{}}
	var files []string
	var optional []bool
	switch v := s.EnvFile.(type) {
	case nil:
	case string:
		files, optional = append(files, v), append(optional, false)
	case []interface{}:
		for _, x := range v {
			switch y := x.(type) {
			case string:
				files, optional = append(files, y), append(optional, false)
			case map[string]interface{}:
				p, _ := y["path"].(string)
				req, hasReq := y["required"].(bool)
				files, optional = append(files, p), append(optional, hasReq && !req)
			default:
				return env, fmt.Errorf("env_file entry %v is neither a path nor {path, required}", x)
			}
		}
	default:
		return env, fmt.Errorf("env_file is neither a path nor a list")
	}
	for i, f := range files {
		if !filepath.IsAbs(f) {
			f = filepath.Join(dir, f)
		}
		data, err := os.ReadFile(f)
		if err != nil {
			if optional[i] && os.IsNotExist(err) {
				continue
			}
			return env, fmt.Errorf("env_file: %v", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, _ := strings.Cut(strings.TrimPrefix(line, "export "), "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
				v = v[1 : len(v)-1]
			}
			env.vars[k] = envValue{v, true, "env_file " + files[i]}
		}
	}

	set := func(k, v string) {
		val, ok := interpolateCompose(v)
		env.vars[k] = envValue{val, ok, "environment"}
	}
	switch v := s.Environment.(type) {
	case nil:
	case map[string]interface{}:
		for k, x := range v {
			if x == nil {
				// `KEY:` with no value: taken from the host's environment at run time.
				env.vars[k] = envValue{"", false, "the host environment"}
				continue
			}
			set(k, scalar(x))
		}
	case []interface{}:
		for _, x := range v {
			k, val, hasValue := strings.Cut(scalar(x), "=")
			if !hasValue {
				env.vars[k] = envValue{"", false, "the host environment"}
				continue
			}
			set(k, val)
		}
	default:
		return env, fmt.Errorf("environment is neither a map nor a list")
	}
	return env, nil
}

func scalar(x interface{}) string {
	switch v := x.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

var composeVar = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// interpolateCompose substitutes ${VAR:-default} and ${VAR-default} with their defaults and $$
// with $. ok is false when the value depends on the host's environment.
func interpolateCompose(s string) (string, bool) {
	ok := true
	out := composeVar.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		sub := composeVar.FindStringSubmatch(m)
		if op := sub[2]; op == ":-" || op == "-" {
			return sub[3]
		}
		ok = false
		return m
	})
	return out, ok
}
