package stub

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	mrand "math/rand/v2"
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
	defer func() { s.seedRules(seeded) }()
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
