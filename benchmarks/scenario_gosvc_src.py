"""The Go sources of benchmarks/scenario_gosvc.py's project (ledgerd, a module on the standard library only), as
they stand at HEAD; scenario_gosvc.py derives the earlier commits' versions from them."""

# go.mod
GO_MOD = r'''module ledgerd

go 1.19
'''

# internal/money/money.go
MONEY_GO = r'''// Package money keeps amounts as integer cents: parsing "12.34", formatting, and fees in basis points.
package money

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Amount is a sum of money in cents.
type Amount int64

// BasisPoints is a rate in hundredths of a percent: 250 is 2.50 %.
type BasisPoints int64

// ErrSyntax is wrapped by every error Parse returns.
var ErrSyntax = errors.New("not an amount")

// Parse reads "12.34", "-0.50", "7" or "7.5" (7.50). Three decimals, "1,50" or "1e3" are errors.
func Parse(s string) (Amount, error) {
	t := strings.TrimSpace(s)
	neg := strings.HasPrefix(t, "-")
	if neg {
		t = t[1:]
	}
	whole, frac, dot := strings.Cut(t, ".")
	if whole == "" || (dot && (frac == "" || len(frac) > 2)) {
		return 0, fmt.Errorf("%w: %q", ErrSyntax, s)
	}
	if len(frac) == 1 {
		frac += "0"
	}
	for _, part := range []string{whole, frac} {
		for _, r := range part {
			if r < '0' || r > '9' {
				return 0, fmt.Errorf("%w: %q", ErrSyntax, s)
			}
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1<<40 {
		return 0, fmt.Errorf("%w: %q is out of range", ErrSyntax, s)
	}
	c := Amount(w * 100)
	if frac != "" {
		f, _ := strconv.ParseInt(frac, 10, 64)
		c += Amount(f)
	}
	if neg {
		c = -c
	}
	return c, nil
}

// String formats a as "12.34" or "-0.05".
func (a Amount) String() string {
	sign := ""
	if a < 0 {
		sign, a = "-", -a
	}
	return fmt.Sprintf("%s%d.%02d", sign, a/100, a%100)
}

// Percent formats a rate as "2.50%".
func (r BasisPoints) Percent() string {
	return fmt.Sprintf("%d.%02d%%", r/100, r%100)
}

// Fee is the processing fee on a at rate, in integer math: no floats in money.
func Fee(a Amount, rate BasisPoints) Amount {
	return a * Amount(rate) / 10000
}

// Sum adds amounts up.
func Sum(as ...Amount) Amount {
	var t Amount
	for _, a := range as {
		t += a
	}
	return t
}
'''

# internal/money/money_test.go
MONEY_TEST_GO = r'''package money

import (
	"errors"
	"fmt"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Amount
	}{
		{"0", 0},
		{"7", 700},
		{"7.5", 750},
		{"12.34", 1234},
		{"-0.50", -50},
		{" 18.40 ", 1840},
		{"1000000.00", 100000000},
		{"0.01", 1},
		{"-12", -1200},
		{"99.9", 9990},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"", "-", ".5", "12.", "12.345", "1,50", "1e3", "12.3.4", "--1", "abc", "99999999999999"} {
		t.Run(fmt.Sprintf("%q", in), func(t *testing.T) {
			if got, err := Parse(in); !errors.Is(err, ErrSyntax) {
				t.Errorf("Parse(%q) = %v, %v; want an ErrSyntax", in, got, err)
			}
		})
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		in   Amount
		want string
	}{
		{0, "0.00"}, {5, "0.05"}, {-5, "-0.05"}, {1234, "12.34"}, {100000000, "1000000.00"}, {-1200, "-12.00"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.in.String(); got != tt.want {
				t.Errorf("Amount(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
			}
		})
	}
}

func TestFee(t *testing.T) {
	tests := []struct {
		amount string
		rate   BasisPoints
		want   string
	}{
		{"100.00", 250, "2.50"},
		{"19.99", 250, "0.50"},
		{"10.00", 0, "0.00"},
		{"49.90", 125, "0.62"},
		{"1234.56", 175, "21.60"},
		{"7.77", 275, "0.21"},
		{"0.20", 250, "0.01"}, // half a cent rounds up
		{"40.00", 250, "1.00"},
		{"20.00", 175, "0.35"},
		{"5.00", 125, "0.06"},
		{"250.00", 275, "6.88"},
		{"64.00", 325, "2.08"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s_at_%dbp", tt.amount, tt.rate), func(t *testing.T) {
			a, err := Parse(tt.amount)
			if err != nil {
				t.Fatal(err)
			}
			if got := Fee(a, tt.rate); got.String() != tt.want {
				t.Errorf("Fee(%s, %d bp) = %s, want %s", tt.amount, tt.rate, got, tt.want)
			}
		})
	}
}

func TestPercent(t *testing.T) {
	if got := BasisPoints(275).Percent(); got != "2.75%" {
		t.Errorf("Percent() = %q, want 2.75%%", got)
	}
}
'''

# internal/ledger/ledger.go
LEDGER_GO = r'''// Package ledger keeps each merchant's settlement account:
// card payments in, processing fees and refunds out.
package ledger

import (
	"errors"
	"fmt"
	"sort"
	"sync"

	"ledgerd/internal/money"
)

// Merchant is one line of the merchant list.
type Merchant struct {
	ID   string
	Name string
	City string
	Rate money.BasisPoints // the processing fee the merchant pays on each payment
}

// Payment is one card payment as the acquirer reported it.
type Payment struct {
	ID       string
	Merchant string
	Gross    money.Amount
	Fee      money.Amount
	Declined bool
	Reversed bool
}

// Account is a merchant's settlement so far.
type Account struct {
	Merchant Merchant
	Payments int // settled payments
	Declined int
	Refunds  int
	Gross    money.Amount
	Fees     money.Amount
	Refunded money.Amount
	Held     string // why the acquirer holds the merchant's payouts; "" when it does not
}

// Net is what the merchant is paid out: gross less fees and refunds.
func (a *Account) Net() money.Amount { return a.Gross - a.Fees - a.Refunded }

var (
	ErrUnknownMerchant = errors.New("unknown merchant")
	ErrDuplicate       = errors.New("duplicate payment id")
	ErrReversed        = errors.New("payment already refunded")
)

// Ledger is safe for concurrent use: the settlement workers share one.
type Ledger struct {
	mu       sync.Mutex
	accounts map[string]*Account
	payments map[string]*Payment
}

// New returns a ledger with an empty account for each merchant.
func New(ms []Merchant) *Ledger {
	l := &Ledger{accounts: make(map[string]*Account, len(ms)), payments: make(map[string]*Payment)}
	for _, m := range ms {
		l.accounts[m.ID] = &Account{Merchant: m}
	}
	return l
}

// Pay records a payment: a declined one is only counted; a settled one is charged the merchant's fee.
func (l *Ledger) Pay(p Payment) (Payment, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	acct, ok := l.accounts[p.Merchant]
	if !ok {
		return p, fmt.Errorf("%w %s", ErrUnknownMerchant, p.Merchant)
	}
	if _, dup := l.payments[p.ID]; dup {
		return p, fmt.Errorf("%w %s", ErrDuplicate, p.ID)
	}
	if p.Declined {
		acct.Declined++
	} else {
		p.Fee = money.Fee(p.Gross, acct.Merchant.Rate)
		acct.Payments++
		acct.Gross += p.Gross
		acct.Fees += p.Fee
	}
	l.payments[p.ID] = &p
	return p, nil
}

// Refund pays a settled payment back to the card holder in full; the fee is not returned.
func (l *Ledger) Refund(id string) (money.Amount, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.payments[id]
	if p.Reversed {
		return 0, fmt.Errorf("%w: %s", ErrReversed, id)
	}
	if p.Declined {
		return 0, fmt.Errorf("payment %s was declined: nothing to refund", id)
	}
	p.Reversed = true
	acct := l.accounts[p.Merchant]
	acct.Refunds++
	acct.Refunded += p.Gross
	return p.Gross, nil
}

// Hold records that the acquirer holds a merchant's payouts.
func (l *Ledger) Hold(merchant, reason string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	acct, ok := l.accounts[merchant]
	if !ok {
		return fmt.Errorf("%w %s", ErrUnknownMerchant, merchant)
	}
	acct.Held = reason
	return nil
}

// Accounts returns a copy of every account, by merchant id.
func (l *Ledger) Accounts() []Account {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Account, 0, len(l.accounts))
	for _, a := range l.accounts {
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Merchant.ID < out[j].Merchant.ID })
	return out
}
'''

# internal/ledger/ledger_test.go
LEDGER_TEST_GO = r'''package ledger

import (
	"errors"
	"testing"

	"ledgerd/internal/money"
)

func shops() []Merchant {
	return []Merchant{
		{ID: "M-0001", Name: "Corner Bakery", City: "Leeds", Rate: 250},
		{ID: "M-0002", Name: "Night Pharmacy", City: "York", Rate: 175},
	}
}

func TestSettlement(t *testing.T) {
	tests := []struct {
		name     string
		merchant string
		gross    []money.Amount
		refund   int // how many of the payments are refunded, from the first
		wantFees string
		wantNet  string
	}{
		{"one payment", "M-0002", []money.Amount{4000}, 0, "0.70", "39.30"},
		{"fees round half up", "M-0001", []money.Amount{1999}, 0, "0.50", "19.49"},
		{"several payments", "M-0002", []money.Amount{1200, 800, 2500}, 0, "0.79", "44.21"},
		{"a refund keeps its fee", "M-0002", []money.Amount{2000, 6000}, 1, "1.40", "58.60"},
		{"small tickets", "M-0001", []money.Amount{20, 20, 20, 20}, 0, "0.04", "0.76"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New(shops())
			for i, g := range tt.gross {
				id := tt.name + string(rune('a'+i))
				if _, err := l.Pay(Payment{ID: id, Merchant: tt.merchant, Gross: g}); err != nil {
					t.Fatal(err)
				}
				if i < tt.refund {
					if _, err := l.Refund(id); err != nil {
						t.Fatal(err)
					}
				}
			}
			var acct Account
			for _, a := range l.Accounts() {
				if a.Merchant.ID == tt.merchant {
					acct = a
				}
			}
			if got := acct.Fees.String(); got != tt.wantFees {
				t.Errorf("fees = %s, want %s", got, tt.wantFees)
			}
			if got := acct.Net().String(); got != tt.wantNet {
				t.Errorf("net payout = %s, want %s", got, tt.wantNet)
			}
		})
	}
}

func TestDeclinedPaysNoFee(t *testing.T) {
	l := New(shops())
	p, err := l.Pay(Payment{ID: "p1", Merchant: "M-0001", Gross: 5000, Declined: true})
	if err != nil || p.Fee != 0 {
		t.Fatalf("Pay = %+v, %v", p, err)
	}
	if _, err := l.Refund("p1"); err == nil {
		t.Error("refunding a declined payment succeeded")
	}
	a := l.Accounts()[0]
	if a.Declined != 1 || a.Payments != 0 || a.Net() != 0 {
		t.Errorf("account = %+v", a)
	}
}

func TestRejects(t *testing.T) {
	l := New(shops())
	if _, err := l.Pay(Payment{ID: "p1", Merchant: "M-9999", Gross: 100}); !errors.Is(err, ErrUnknownMerchant) {
		t.Errorf("unknown merchant: %v", err)
	}
	if _, err := l.Pay(Payment{ID: "p2", Merchant: "M-0001", Gross: 100}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Pay(Payment{ID: "p2", Merchant: "M-0001", Gross: 100}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := l.Refund("p2"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Refund("p2"); !errors.Is(err, ErrReversed) {
		t.Errorf("second refund: %v", err)
	}
}

func TestHold(t *testing.T) {
	l := New(shops())
	if err := l.Hold("M-0002", "chargebacks"); err != nil {
		t.Fatal(err)
	}
	if got := l.Accounts()[1].Held; got != "chargebacks" {
		t.Errorf("Held = %q", got)
	}
	if err := l.Hold("M-0404", "x"); !errors.Is(err, ErrUnknownMerchant) {
		t.Errorf("unknown merchant: %v", err)
	}
}
'''

# internal/queue/limiter.go
LIMITER_GO = r'''package queue

import "time"

// Limiter is a token bucket: Wait takes a token, a ticker puts one back every 1/perSecond seconds, up to burst.
type Limiter struct {
	tokens chan struct{}
	stop   chan struct{}
}

// NewLimiter starts a full bucket and its refill goroutine; Stop ends it.
func NewLimiter(perSecond, burst int) *Limiter {
	if perSecond < 1 {
		perSecond = 1
	}
	if burst < 1 {
		burst = 1
	}
	l := &Limiter{tokens: make(chan struct{}, burst), stop: make(chan struct{})}
	for i := 0; i < burst; i++ {
		l.tokens <- struct{}{}
	}
	go l.refill(time.Second / time.Duration(perSecond))
	return l
}

func (l *Limiter) refill(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			select {
			case l.tokens <- struct{}{}:
			default: // the bucket is full
			}
		}
	}
}

// Wait blocks until a token is free and says how long that took.
func (l *Limiter) Wait() time.Duration {
	start := time.Now()
	<-l.tokens
	return time.Since(start)
}

// Stop ends the refill goroutine.
func (l *Limiter) Stop() { close(l.stop) }
'''

# internal/queue/pool.go
POOL_GO = r'''// Package queue runs jobs on a fixed pool of workers, no faster than a rate limit.
package queue

import (
	"sync"
	"time"
)

// Job is one unit of work; Seq is its place in the input.
type Job struct {
	Seq  int
	Name string
	Run  func() error
}

// Stats says what the pool did.
type Stats struct {
	Started int
	Done    int
	Failed  int
	Waited  time.Duration // time the workers spent waiting for the rate limiter
}

// Pool is a fixed number of workers taking jobs from one queue.
type Pool struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	workers int
	limit   *Limiter
	jobs    chan Job
	stats   Stats
	failed  []string
}

// New returns a pool of `workers` that starts at most `perSecond` jobs a second.
func New(workers, perSecond int) *Pool {
	if workers < 1 {
		workers = 1
	}
	return &Pool{workers: workers, limit: NewLimiter(perSecond, workers), jobs: make(chan Job, 2*workers)}
}

// Workers is the pool's size.
func (p Pool) Workers() int { return p.workers }

// Start starts the workers.
func (p *Pool) Start() {
	for i := 0; i < p.workers; i++ {
		p.wg.Add(1)
		go p.work()
	}
}

// Submit queues a job; it blocks while the queue is full.
func (p *Pool) Submit(j Job) { p.jobs <- j }

// Close waits for the queued jobs to finish, stops the workers and returns the pool's stats.
func (p *Pool) Close() Stats {
	close(p.jobs)
	p.wg.Wait()
	p.limit.Stop()
	return p.Stats()
}

// Stats is a snapshot of the pool's counters.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Failed names the jobs whose Run returned an error, in the order they failed.
func (p *Pool) Failed() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.failed...)
}

func (p *Pool) work() {
	defer p.wg.Done()
	for j := range p.jobs {
		waited := p.limit.Wait()
		p.mu.Lock()
		p.stats.Started++
		p.stats.Waited += waited
		p.mu.Unlock()
		err := j.Run()
		p.stats.Done++
		if err != nil {
			p.mu.Lock()
			p.stats.Failed++
			p.failed = append(p.failed, j.Name)
			p.mu.Unlock()
		}
	}
}
'''

# internal/queue/pool_test.go
POOL_TEST_GO = r'''package queue

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestPoolRunsEveryJob(t *testing.T) {
	p := New(4, 20000)
	p.Start()
	var mu sync.Mutex
	seen := make(map[int]bool)
	for i := 0; i < 200; i++ {
		i := i
		p.Submit(Job{Seq: i, Name: fmt.Sprintf("job-%03d", i), Run: func() error {
			mu.Lock()
			seen[i] = true
			mu.Unlock()
			return nil
		}})
	}
	st := p.Close()
	if len(seen) != 200 || st.Started != 200 || st.Done != 200 || st.Failed != 0 {
		t.Errorf("ran %d jobs, stats %+v", len(seen), st)
	}
}

func TestPoolNamesFailedJobs(t *testing.T) {
	p := New(2, 20000)
	p.Start()
	for i := 0; i < 10; i++ {
		i := i
		p.Submit(Job{Seq: i, Name: fmt.Sprintf("job-%d", i), Run: func() error {
			if i == 7 {
				return errors.New("boom")
			}
			return nil
		}})
	}
	st := p.Close()
	if st.Failed != 1 || len(p.Failed()) != 1 || p.Failed()[0] != "job-7" {
		t.Errorf("stats %+v, failed %v", st, p.Failed())
	}
}

func TestLimiterSpacesJobs(t *testing.T) {
	l := NewLimiter(200, 1) // one token every 5ms
	defer l.Stop()
	start := time.Now()
	for i := 0; i < 5; i++ {
		l.Wait()
	}
	if d := time.Since(start); d < 15*time.Millisecond {
		t.Errorf("5 tokens at 200/s took %v, want at least 15ms", d)
	}
}

func TestWorkers(t *testing.T) {
	if n := New(0, 10).Workers(); n != 1 {
		t.Errorf("Workers() = %d, want 1", n)
	}
}
'''

# internal/batch/parse.go
PARSE_GO = r'''// Package batch reads the acquirer's settlement files, one record a line:
//
//	2026-11-30T09:12:01Z,PAY,P-7300001,M-0042,18.40,OK      (or DECLINED)
//	2026-11-30T09:14:40Z,REFUND,P-7300001,M-0042
//	2026-11-30T10:00:00Z,HOLD,M-0217,<reason>
//	TRAILER,<settled payments>,<gross>,<fees>
//
// Lines starting with # are comments.
package batch

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ledgerd/internal/money"
)

// Kind is what a line records.
type Kind int

const (
	Pay Kind = iota + 1
	Refund
	Hold
	Trailer
)

// Record is one parsed line.
type Record struct {
	Kind     Kind
	Time     time.Time
	ID       string // the payment's id (PAY, REFUND)
	Merchant string
	Amount   money.Amount
	Declined bool
	Reason   string // HOLD
	// TRAILER: what the acquirer settled
	Count int
	Gross money.Amount
	Fees  money.Amount
}

// ErrLine is wrapped by every error Parse returns.
var ErrLine = errors.New("bad line")

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrLine, fmt.Sprintf(format, args...))
}

// Parse reads one line (no newline).
func Parse(line string) (Record, error) {
	f := strings.Split(line, ",")
	if f[0] == "TRAILER" {
		if len(f) != 4 {
			return Record{}, bad("trailer has %d fields, want 4", len(f))
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			return Record{}, bad("trailer count %q", f[1])
		}
		g, err1 := money.Parse(f[2])
		fees, err2 := money.Parse(f[3])
		if err1 != nil || err2 != nil {
			return Record{}, bad("trailer amounts %q, %q", f[2], f[3])
		}
		return Record{Kind: Trailer, Count: n, Gross: g, Fees: fees}, nil
	}
	if len(f) < 3 {
		return Record{}, bad("%d fields", len(f))
	}
	ts, err := time.Parse(time.RFC3339, f[0])
	if err != nil {
		return Record{}, bad("timestamp %q", f[0])
	}
	r := Record{Time: ts}
	switch f[1] {
	case "PAY":
		if len(f) != 6 {
			return r, bad("PAY has %d fields, want 6", len(f))
		}
		r.Kind, r.ID, r.Merchant = Pay, f[2], f[3]
		if r.Amount, err = money.Parse(f[4]); err != nil {
			return r, bad("amount: %v", err)
		}
		if r.Amount <= 0 {
			return r, bad("amount %s is not positive", r.Amount)
		}
		switch f[5] {
		case "OK":
		case "DECLINED":
			r.Declined = true
		default:
			return r, bad("status %q", f[5])
		}
	case "REFUND":
		if len(f) != 4 {
			return r, bad("REFUND has %d fields, want 4", len(f))
		}
		r.Kind, r.ID, r.Merchant = Refund, f[2], f[3]
	case "HOLD":
		if len(f) < 4 {
			return r, bad("HOLD without a reason")
		}
		r.Kind, r.Merchant, r.Reason = Hold, f[2], strings.Join(f[3:], ",")
	default:
		return r, bad("kind %q", f[1])
	}
	return r, nil
}
'''

# internal/batch/parse_test.go
PARSE_TEST_GO = r'''package batch

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Record
	}{
		{"payment", "2026-11-30T09:12:01Z,PAY,P-1,M-0042,18.40,OK",
			Record{Kind: Pay, ID: "P-1", Merchant: "M-0042", Amount: 1840}},
		{"declined", "2026-11-30T09:12:09Z,PAY,P-2,M-0110,7.77,DECLINED",
			Record{Kind: Pay, ID: "P-2", Merchant: "M-0110", Amount: 777, Declined: true}},
		{"refund", "2026-11-30T09:14:40Z,REFUND,P-1,M-0042",
			Record{Kind: Refund, ID: "P-1", Merchant: "M-0042"}},
		{"hold", "2026-11-30T10:00:00Z,HOLD,M-0217,ratio 2.31%, over 1.00%",
			Record{Kind: Hold, Merchant: "M-0217", Reason: "ratio 2.31%, over 1.00%"}},
		{"trailer", "TRAILER,41,1234.56,31.01",
			Record{Kind: Trailer, Count: 41, Gross: 123456, Fees: 3101}},
		{"whole euros", "2026-11-30T09:12:01Z,PAY,P-3,M-0042,18,OK",
			Record{Kind: Pay, ID: "P-3", Merchant: "M-0042", Amount: 1800}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.line)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got.Time = tt.want.Time
			if got != tt.want {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.line, got, tt.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ name, line string }{
		{"three decimals", "2026-11-30T09:12:01Z,PAY,P-1,M-0042,18.405,OK"},
		{"decimal comma", "2026-11-30T09:12:01Z,PAY,P-1,M-0042,18,40,OK"},
		{"local time", "30/11/2026 09:12,PAY,P-1,M-0042,18.40,OK"},
		{"unknown kind", "2026-11-30T09:12:01Z,CHARGE,P-1,M-0042,18.40,OK"},
		{"unknown status", "2026-11-30T09:12:01Z,PAY,P-1,M-0042,18.40,PENDING"},
		{"zero amount", "2026-11-30T09:12:01Z,PAY,P-1,M-0042,0.00,OK"},
		{"short", "2026-11-30T09:12:01Z,PAY"},
		{"refund with amount", "2026-11-30T09:14:40Z,REFUND,P-1,M-0042,18.40"},
		{"trailer short", "TRAILER,41,1234.56"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(tt.line); !errors.Is(err, ErrLine) {
				t.Errorf("Parse(%q) = %v, want an ErrLine", tt.line, err)
			}
		})
	}
}
'''

# internal/logfmt/logfmt.go
LOGFMT_GO = r'''// Package logfmt writes one line per event in the key=value form of log/slog's text handler:
//
//	time=2026-11-30T09:12:01.000Z level=WARN msg="payment declined" batch=batch-0001.csv line=4
//
// The time is the event's own (the batch line's), so replaying the same files writes the same log.
package logfmt

import (
	"fmt"
	"io"
	"log"
	"strings"
	"sync"
	"time"
)

// Level is an event's severity.
type Level string

const (
	Info  Level = "INFO"
	Warn  Level = "WARN"
	Error Level = "ERROR"
)

// Logger is safe for concurrent use.
type Logger struct {
	mu     sync.Mutex
	out    *log.Logger
	counts map[Level]int
}

// New logs to w.
func New(w io.Writer) *Logger {
	return &Logger{out: log.New(w, "", 0), counts: make(map[Level]int)}
}

// Log writes one event; kv is key, value, key, value...
func (l *Logger) Log(t time.Time, level Level, msg string, kv ...any) {
	var b strings.Builder
	fmt.Fprintf(&b, "time=%s level=%s msg=%s", t.UTC().Format("2006-01-02T15:04:05.000Z"), level, quote(msg))
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, " %v=%s", kv[i], quote(fmt.Sprint(kv[i+1])))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.counts[level]++
	l.out.Print(b.String())
}

// Count is how many events of level were logged.
func (l *Logger) Count(level Level) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.counts[level]
}

func quote(s string) string {
	if s == "" || strings.ContainsAny(s, " =\"\t\n") {
		return fmt.Sprintf("%q", s)
	}
	return s
}
'''

# internal/report/report.go
REPORT_GO = r'''// Package report writes the settlement report:
// one JSON document with the run's totals and every merchant.
package report

import (
	"encoding/json"
	"os"

	"ledgerd/internal/ledger"
	"ledgerd/internal/money"
)

// Merchant is one merchant's line of the report.
type Merchant struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	City        string `json:"city"`
	FeeRate     string `json:"fee_rate"`
	Payments    int    `json:"payments"`
	Declined    int    `json:"declined"`
	Refunds     int    `json:"refunds"`
	Gross       string `json:"gross"`
	Fees        string `json:"fees"`
	Refunded    string `json:"refunded"`
	NetPayout   string `json:"net_payout"`
	Status      string `json:"status",omitempty`
	HeldBecause string `json:"held_because,omitempty"`
}

// Totals are the run's sums over every merchant.
type Totals struct {
	Payments  int    `json:"payments"`
	Declined  int    `json:"declined"`
	Refunds   int    `json:"refunds"`
	Gross     string `json:"gross"`
	Fees      string `json:"fees"`
	Refunded  string `json:"refunded"`
	NetPayout string `json:"net_payout"`
}

// Report is the whole document.
type Report struct {
	GeneratedAt   string     `json:"generated_at"`
	Currency      string     `json:"currency"`
	Batches       int        `json:"batches"`
	BatchesFailed []string   `json:"batches_failed"`
	Errors        int        `json:"errors_logged"`
	Totals        Totals     `json:"totals"`
	Merchants     []Merchant `json:"merchants"`
}

// Build makes the report from the ledger's accounts.
func Build(generatedAt string, batches int, failed []string, errors int, accts []ledger.Account) Report {
	r := Report{GeneratedAt: generatedAt, Currency: "EUR", Batches: batches, BatchesFailed: failed, Errors: errors}
	if r.BatchesFailed == nil {
		r.BatchesFailed = []string{}
	}
	var gross, fees, refunded money.Amount
	for _, a := range accts {
		m := Merchant{ID: a.Merchant.ID, Name: a.Merchant.Name, City: a.Merchant.City,
			FeeRate: a.Merchant.Rate.Percent(), Payments: a.Payments, Declined: a.Declined, Refunds: a.Refunds,
			Gross: a.Gross.String(), Fees: a.Fees.String(), Refunded: a.Refunded.String(),
			NetPayout: a.Net().String(), Status: "settled", HeldBecause: a.Held}
		switch {
		case a.Held != "":
			m.Status = "held"
		case a.Payments == 0:
			m.Status = "no activity"
		}
		r.Merchants = append(r.Merchants, m)
		r.Totals.Payments += a.Payments
		r.Totals.Declined += a.Declined
		r.Totals.Refunds += a.Refunds
		gross, fees, refunded = gross+a.Gross, fees+a.Fees, refunded+a.Refunded
	}
	r.Totals.Gross, r.Totals.Fees, r.Totals.Refunded = gross.String(), fees.String(), refunded.String()
	r.Totals.NetPayout = (gross - fees - refunded).String()
	return r
}

// Write writes r to path as indented JSON.
func Write(path string, r Report) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
'''

# cmd/ledgerd/main.go
MAIN_GO = r'''// Command ledgerd settles the acquirer's batch files against the merchant list:
// fees, refunds and holds per merchant, a logfmt log of everything that went wrong,
// and a JSON settlement report.
//
//	ledgerd [-merchants FILE] [-report FILE] [-log FILE] [-workers N] [-rate N] [-generated-at TS] BATCH...
//
// Batches are settled concurrently on a rate-limited worker pool; the log lists each batch's events in input
// order. The exit status is 1 when an error was logged.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"ledgerd/internal/batch"
	"ledgerd/internal/ledger"
	"ledgerd/internal/logfmt"
	"ledgerd/internal/money"
	"ledgerd/internal/queue"
	"ledgerd/internal/report"
)

type event struct {
	t     time.Time
	level logfmt.Level
	msg   string
	kv    []any
}

type result struct {
	name   string
	events []event
	err    error
}

// benchHook is the replay bench (bench.go, built with -tags bench).
var benchHook func(ms []ledger.Merchant, files []string) error

func main() { os.Exit(run()) }

func run() int {
	merchantsPath := flag.String("merchants", "data/merchants.tsv", "the merchant list (TSV)")
	reportPath := flag.String("report", "", "write the settlement report to this file")
	logPath := flag.String("log", "", "write the log to this file (default: stderr)")
	workers := flag.Int("workers", 8, "settlement workers")
	rate := flag.Int("rate", 2000, "batches started per second, at most")
	generatedAt := flag.String("generated-at", "", "the report's generated_at, RFC 3339 (default: now)")
	deadline := flag.Duration("deadline", 10*time.Minute, "give up after this long")
	bench := flag.Bool("bench", false, "time a replay of the batches on one goroutine (build with -tags bench)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: %s [flags] BATCH...\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	files := flag.Args()
	if len(files) == 0 {
		flag.Usage()
		return 2
	}
	ms, err := loadMerchants(*merchantsPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ledgerd:", err)
		return 2
	}
	if *bench {
		if benchHook == nil {
			fmt.Fprintln(os.Stderr, "ledgerd: built without the bench (go build -tags bench)")
			return 2
		}
		if err := benchHook(ms, files); err != nil {
			fmt.Fprintln(os.Stderr, "ledgerd:", err)
			return 1
		}
		return 0
	}
	var w io.Writer = os.Stderr
	if *logPath != "" {
		f, err := os.Create(*logPath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ledgerd:", err)
			return 2
		}
		defer f.Close()
		w = f
	}
	lg := logfmt.New(w)
	l := ledger.New(ms)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, _ = context.WithTimeout(ctx, *deadline)

	pool := queue.New(*workers, *rate)
	pool.Start()
	results := make([]*result, len(files))
	for i, path := range files {
		i, path := i, path
		pool.Submit(queue.Job{Seq: i, Name: filepath.Base(path), Run: func() error {
			results[i] = settle(ctx, l, path)
			return results[i].err
		}})
	}
	st := pool.Close()

	var failed []string
	for _, r := range results {
		for _, e := range r.events {
			lg.Log(e.t, e.level, e.msg, e.kv...)
		}
		if r.err != nil {
			failed = append(failed, r.name)
		}
	}
	sort.Strings(failed)
	at := time.Now().UTC()
	if *generatedAt != "" {
		if at, err = time.Parse(time.RFC3339, *generatedAt); err != nil {
			fmt.Sprintf("ledgerd: -generated-at: %v", err)
			return 2
		}
	}
	lg.Log(at, logfmt.Info, "settlement finished", "batches", len(files), "failed", len(failed),
		"jobs_done", st.Done, "workers", pool.Workers(), "errors", lg.Count(logfmt.Error),
		"warnings", lg.Count(logfmt.Warn))
	if *reportPath != "" {
		rep := report.Build(at.Format(time.RFC3339), len(files), failed, lg.Count(logfmt.Error), l.Accounts())
		if err := report.Write(*reportPath, rep); err != nil {
			fmt.Fprintln(os.Stderr, "ledgerd:", err)
			return 2
		}
	}
	if lg.Count(logfmt.Error) > 0 {
		return 1
	}
	return 0
}

// settle applies one batch file to the ledger and checks its totals against the acquirer's trailer.
func settle(ctx context.Context, l *ledger.Ledger, path string) *result {
	res := &result{name: filepath.Base(path)}
	add := func(t time.Time, level logfmt.Level, msg string, kv ...any) {
		res.events = append(res.events, event{t, level, msg, append([]any{"batch", res.name}, kv...)})
	}
	data, err := os.ReadFile(path)
	if err != nil {
		res.err = err
		add(time.Time{}, logfmt.Error, "batch dropped", "err", err)
		return res
	}
	var last time.Time
	var settled, declined int
	var gross, fees money.Amount
	var trailer *batch.Record
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if err := ctx.Err(); err != nil {
			res.err = err
			add(last, logfmt.Error, "batch dropped", "line", i+1, "err", err)
			return res
		}
		n := i + 1
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rec, err := batch.Parse(line)
		if err != nil {
			add(last, logfmt.Warn, "line skipped", "line", n, "err", err)
			continue
		}
		if !rec.Time.IsZero() {
			last = rec.Time
		}
		switch rec.Kind {
		case batch.Pay:
			p, err := l.Pay(ledger.Payment{ID: rec.ID, Merchant: rec.Merchant, Gross: rec.Amount,
				Declined: rec.Declined})
			switch {
			case errors.Is(err, ledger.ErrUnknownMerchant):
				add(rec.Time, logfmt.Error, "payment for an unknown merchant", "line", n, "payment", rec.ID,
					"merchant", rec.Merchant, "amount", rec.Amount)
			case err != nil:
				add(rec.Time, logfmt.Warn, "payment skipped", "line", n, "err", err)
			case p.Declined:
				declined++
			default:
				settled++
				gross += p.Gross
				fees += p.Fee
			}
		case batch.Refund:
			amount, err := l.Refund(rec.ID)
			if err != nil {
				add(rec.Time, logfmt.Warn, "refund refused", "line", n, "payment", rec.ID, "err", err)
				continue
			}
			add(rec.Time, logfmt.Info, "payment refunded", "line", n, "payment", rec.ID, "merchant", rec.Merchant,
				"amount", amount)
		case batch.Hold:
			if err := l.Hold(rec.Merchant, rec.Reason); err != nil {
				add(rec.Time, logfmt.Error, "hold for an unknown merchant", "line", n, "err", err)
				continue
			}
			add(rec.Time, logfmt.Warn, "payouts held by the acquirer", "line", n, "merchant", rec.Merchant,
				"reason", rec.Reason)
		case batch.Trailer:
			trailer = &rec
		}
	}
	switch {
	case trailer == nil:
		add(last, logfmt.Error, "batch has no trailer: totals not checked", "payments", settled)
	case trailer.Count != settled || trailer.Gross != gross || trailer.Fees != fees:
		add(last, logfmt.Error, "batch totals do not match the acquirer trailer", "payments", settled,
			"trailer_payments", trailer.Count, "gross", gross, "trailer_gross", trailer.Gross, "fees", fees,
			"trailer_fees", trailer.Fees)
	}
	add(last, logfmt.Info, "batch settled", "payments", settled, "declined", declined, "gross", gross,
		"fees", fees)
	return res
}

// loadMerchants reads the merchant list: id, name, city and fee (percent, "2.50") per line, after a header.
func loadMerchants(path string) ([]ledger.Merchant, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ms []ledger.Merchant
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if i == 0 {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("%s:%d: %d fields, want 4", path, i+1, len(f))
		}
		rate, err := money.Parse(f[3]) // "2.50" percent is 250 basis points
		if err != nil {
			return nil, fmt.Errorf("%s:%d: fee: %v", path, i+1, err)
		}
		ms = append(ms, ledger.Merchant{ID: f[0], Name: f[1], City: f[2], Rate: money.BasisPoints(rate)})
	}
	return ms, nil
}
'''

# cmd/ledgerd/bench.go
BENCH_GO = r'''//go:build bench

// The replay bench: `go build -tags bench -o bin/ledgerd-bench ./cmd/ledgerd`, then
// `bin/ledgerd-bench -bench data/batches/*.csv` settles every batch on one goroutine, five rounds over, and prints
// payments per second (no pool, no log: the ledger's own cost).
package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"ledgerd/internal/batch"
	"ledgerd/internal/ledger"
	"ledgerd/internal/money"
)

func init() { benchHook = replayBench }

func replayBench(ms []ledger.Merchant, files []string) error {
	var recs []batch.Record
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(data), "\n") {
			if r, err := batch.Parse(line); err == nil && r.Kind == batch.Pay {
				recs = append(recs, r)
			}
		}
	}
	rates := make(map[string]float64, len(ms))
	for _, m := range ms {
		rates[m.ID] = m.Rate
	}
	start := time.Now()
	var paid int
	var fees money.Amount
	for round := 0; round < 5; round++ {
		l := ledger.New(ms)
		for _, r := range recs {
			p := ledger.Payment{ID: fmt.Sprint(round, r.ID), Merchant: r.Merchant, Amount: r.Amount}
			if _, err := l.Pay(p); err == nil {
				paid++
				fees += money.Fee(r.Amount, rates[r.Merchant])
			}
		}
	}
	secs := time.Since(start).Seconds()
	fmt.Printf("%d payments in %.3fs: %.0f/s (fees %s)\n", paid, secs, float64(paid)/secs, fees)
	return nil
}
'''
