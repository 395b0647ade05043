package delivery

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/metadata/fake"
	clienttesting "k8s.io/client-go/testing"

	"github.com/runai-tools/sa-dashboard/internal/cache"
)

func managedMeta(ns, name, id string) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{LabelManagedBy: ManagedBy}, Annotations: map[string]string{AnnServiceAccountID: id}},
	}
}

// TestListings: a listing serves every page of an identity while fresh,
// concurrent reads share one call, this replica's writes and the
// lifetime make it read anew, and a failed namespace is not remembered.
func TestListings(t *testing.T) {
	scheme := fake.NewTestScheme()
	if err := metav1.AddMetaToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	md := fake.NewSimpleMetadataClient(scheme, managedMeta("creds", "b", "id-2"), managedMeta("creds", "a", "id-1"))
	var calls atomic.Int32
	var fail atomic.Bool
	md.PrependReactor("list", "secrets", func(clienttesting.Action) (bool, runtime.Object, error) {
		calls.Add(1)
		time.Sleep(20 * time.Millisecond) // long enough for the callers to meet
		if fail.Load() {
			return true, nil, errors.New("refused")
		}
		return false, nil, nil
	})
	now := time.Now()
	clock := func() time.Time { return now }
	l := NewListings(cache.Config{Now: clock})
	defer l.Close()
	ctx := context.Background()
	list := func() ([]Held, []error) { return l.List(ctx, md, "sa", []string{"creds"}) }

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			held, errs := list()
			if len(errs) != 0 || len(held) != 2 || held[0].Name != "a" {
				t.Errorf("listing %v %v", held, errs)
			}
		})
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("8 concurrent pages made %d calls, want 1", n)
	}
	list()
	if n := calls.Load(); n != 1 {
		t.Errorf("a fresh listing was read again: %d calls", n)
	}
	l.Changed()
	list()
	if n := calls.Load(); n != 2 {
		t.Errorf("after a write: %d calls, want 2", n)
	}
	now = now.Add(ListingTTL + time.Second)
	fail.Store(true)
	if _, errs := list(); len(errs) != 1 {
		t.Errorf("a refused namespace: %v", errs)
	}
	fail.Store(false)
	if held, errs := list(); len(errs) != 0 || len(held) != 2 || calls.Load() != 4 {
		t.Errorf("the refusal was remembered: %v %v, %d calls", held, errs, calls.Load())
	}
}
