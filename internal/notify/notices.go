package notify

import (
	"context"
	"errors"
	"fmt"

	"github.com/vigil-cloud/vigil/internal/privacy"
)

var _ privacy.Notifier = (*Service)(nil)

// NoticePublished tells everyone a materially changed privacy statement,
// terms or face recognition protocol concerns, on the channels they chose
// for notices. A change that is not material waits in the in-app notices
// list. The message ID is the notice's, so announcing it twice (a retry, a
// second node) reaches each person once.
func (s *Service) NoticePublished(ctx context.Context, n privacy.Notice) error {
	if !n.Material {
		return nil
	}
	// A region's own text concerns the people of that region's accounts;
	// the default text concerns everyone (the in-app list shows each person
	// which text applies to them).
	region := n.Region
	if region == privacy.DefaultRegion {
		region = ""
	}
	accountsOf, err := s.store.AccountsOf(ctx, region)
	if err != nil {
		return err
	}
	// Each person is told once, through the first account they joined.
	byAccount := map[string][]string{}
	for user, accounts := range accountsOf {
		byAccount[accounts[0]] = append(byAccount[accounts[0]], user)
	}
	body := fmt.Sprintf("We published version %d of our %s.", n.Version, kindTitle(n.Kind))
	if n.Summary != "" {
		body += " What changed: " + n.Summary
	}
	body += " Please read it and accept it in the app to keep using the features it covers."
	var errs []error
	for acc, users := range byAccount {
		msg := Message{ID: "notice-" + n.ID, AccountID: acc, Kind: KindNotice, Time: n.PublishedAt,
			Title: "Our " + kindTitle(n.Kind) + " changed", Body: body, URL: "/#/notices"}
		errs = append(errs, s.Enqueue(ctx, msg, users))
	}
	return errors.Join(errs...)
}

func kindTitle(k privacy.Kind) string {
	switch k {
	case privacy.PrivacyStatement:
		return "privacy statement"
	case privacy.FaceProtocol:
		return "face recognition terms"
	case privacy.Terms:
		return "terms of service"
	}
	return string(k)
}
