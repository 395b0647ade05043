package stub

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
)

var (
	seedNames = []string{
		"ci-pipeline", "airflow-scheduler", "mlflow-tracking", "kubeflow-pipelines", "jupyter-hub",
		"inference-gateway", "training-launcher", "grafana-exporter", "prometheus-scraper", "argo-workflows",
		"jenkins-agent", "gitlab-runner", "spark-operator", "ray-cluster", "triton-deploy",
		"data-ingest", "model-registry", "feature-store", "label-studio", "wandb-sync",
		"notebook-sync", "nightly-batch", "cost-reporting", "billing-export", "audit-collector",
		"backup-agent", "llm-finetune", "eval-harness", "dataset-curator", "quota-watcher",
	}
	seedEnvs     = []string{"", "-prod", "-staging", "-dev", "-eu", "-us"}
	seedCreators = []string{
		"alice.nguyen@example.com", "bob.schmidt@example.com", "carol.okafor@example.com",
		"dmitri.ivanov@example.com", "platform-automation@example.com",
	}
)

// seedSuccessor is the seeded account that succeeds the one before it.
const seedSuccessor = 5

// seed preloads n realistic accounts: about a fifth disabled, a quarter
// never used, the rest used recently or long ago, by several creators. The
// data is the same for the same n; secrets are random and unknown.
func (s *Server) seed(n int) {
	rng := mrand.New(mrand.NewPCG(42, uint64(n)))
	ids := mrand.NewChaCha8([32]byte{'r', 'u', 'n', 'a', 'i'})
	now := s.now()
	day := 24 * time.Hour
	s.mu.Lock()
	defer s.mu.Unlock()
	seeded := make([]*account, 0, n)
	defer func() { s.seedRules(seeded); s.seedAudit(seeded) }()
	for i := range n {
		name := seedNames[i%len(seedNames)] + seedEnvs[(i/len(seedNames))%len(seedEnvs)]
		if round := i / (len(seedNames) * len(seedEnvs)); round > 0 {
			name = fmt.Sprintf("%s-%d", name, round+1)
		}
		created := now.Add(-time.Duration(5+rng.IntN(700))*day - time.Duration(rng.IntN(86400))*time.Second)
		a := &account{Account: Account{
			ID:        uuid.Must(uuid.NewRandomFromReader(ids)).String(),
			ClientID:  uuid.Must(uuid.NewRandomFromReader(ids)).String(),
			Name:      name,
			CreatedBy: seedCreators[rng.IntN(len(seedCreators))],
			TenantID:  s.cfg.TenantID,
			Enabled:   rng.IntN(5) != 0,
			CreatedAt: created,
		}, secretHash: sha256.Sum256([]byte(rand.Text()))}
		age := now.Sub(created)
		a.UpdatedAt = created.Add(time.Duration(rng.Int64N(int64(age))))
		switch r := rng.IntN(20); {
		case r < 5: // never used
		case r < 14: // used in the last week
			a.LastLogin = now.Add(-time.Duration(rng.IntN(7*86400)) * time.Second)
		default: // used long ago
			a.LastLogin = created.Add(time.Duration(rng.Int64N(int64(age) / 2)))
		}
		if !a.LastLogin.IsZero() && a.LastLogin.Before(created) {
			a.LastLogin = created
		}
		if i == seedSuccessor && n > seedSuccessor {
			// A rotation in progress: the account before gets a successor,
			// created two days ago and not used yet.
			a.Name = seeded[i-1].Name + "-r2"
			a.Enabled, a.CreatedAt, a.UpdatedAt, a.LastLogin = true, now.Add(-2*day), now.Add(-2*day), time.Time{}
		}
		s.put(a)
		seeded = append(seeded, a)
	}
}

// auditRetention is how far back the audit log goes (the Run:ai console
// keeps 90 days of event history).
const auditRetention = 90 * 24 * time.Hour

// seedAudit writes the audit log the seeded accounts would have left in
// the last 90 days: their creation, their rules, disabling, secret
// regenerations, their tokens, a refused attempt and an account since
// deleted. The caller holds s.mu.
func (s *Server) seedAudit(accounts []*account) {
	now := s.now()
	rng := mrand.New(mrand.NewPCG(7, uint64(len(accounts))))
	since := now.Add(-auditRetention)
	var out []auditEntry
	add := func(at time.Time, subject, subjectType, action, method, path string, status int, n auditNote) {
		if at.Before(since) || at.After(now) {
			return
		}
		result := "Succeeded"
		if status >= 400 {
			result = "Failed"
		}
		out = append(out, auditEntry{
			Subject: subject, SubjectType: subjectType, SourceIP: "10.0.12." + fmt.Sprint(1+rng.IntN(250)), Action: action,
			HTTPMethod: method, URL: path, Result: result, Status: status, EntityType: n.entityType, EntityID: n.entityID,
			EntityName: n.entityName, RequestID: uuid.NewString(), Metadata: n.meta, at: at,
		})
	}
	const base = "/api/v1/service-accounts"
	for i, a := range accounts {
		n := auditNote{entityType: EntityServiceAccount, entityID: a.ID, entityName: a.Name}
		add(a.CreatedAt, a.CreatedBy, "User", "create", http.MethodPost, base, http.StatusCreated, n)
		if !a.Enabled {
			off := n
			off.meta = map[string]string{"enabled": "false"}
			add(a.UpdatedAt, seedCreators[i%len(seedCreators)], "User", "update", http.MethodPatch, base+"/"+a.ID, http.StatusOK, off)
		}
		if i%7 == 3 {
			at := now.Add(-time.Duration(1+rng.IntN(29*24)) * time.Hour)
			if at.After(a.CreatedAt) {
				add(at, seedCreators[(i+2)%len(seedCreators)], "User", "update", http.MethodPost, base+"/"+a.ID+"/secret", http.StatusOK, n)
			}
		}
		if !a.LastLogin.IsZero() {
			add(a.LastLogin, a.ClientID, "App", "sign-in", http.MethodPost, "/api/v2/token", http.StatusOK, n)
		}
	}
	for _, r := range s.rules {
		add(r.CreatedAt, r.CreatedBy, "User", "create", http.MethodPost, "/api/v1/authorization/access-rules", http.StatusCreated, s.ruleNote("create", *r))
	}
	if len(accounts) > 0 {
		a := accounts[0]
		off := auditNote{entityType: EntityServiceAccount, entityID: a.ID, entityName: a.Name, meta: map[string]string{"enabled": "false"}}
		add(now.Add(-3*24*time.Hour), "bob.schmidt@example.com", "User", "update", http.MethodPatch, base+"/"+a.ID, http.StatusForbidden, off)
	}
	// An account created, given access and deleted since.
	gone := auditNote{entityType: EntityServiceAccount, entityID: uuid.NewString(), entityName: "legacy-exporter"}
	add(now.Add(-62*24*time.Hour), "carol.okafor@example.com", "User", "create", http.MethodPost, base, http.StatusCreated, gone)
	add(now.Add(-21*24*time.Hour), "carol.okafor@example.com", "User", "delete", http.MethodDelete, base+"/"+gone.entityID, http.StatusNoContent, gone)
	slices.SortFunc(out, func(a, b auditEntry) int { return a.at.Compare(b.at) })
	for _, e := range out {
		s.appendAudit(e)
	}
}
