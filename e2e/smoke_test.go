package e2e

import "testing"

func TestSmokeScreens(t *testing.T) {
	en := newEnv(t, envOptions{seed: 30})
	p := en.page(true)
	_, err := p.Goto("signin")
	must(t, err)
	screenshot(t, p, "signin")
	en.signIn(p)
	screenshot(t, p, "accounts")
}
