"""Why a certificate could not be had, in words an end user may read (issue 17: "last renewal
attempt and its error in plain words"); the CA's own words are kept beside them."""
from __future__ import annotations

from tenants.errors import N_

CA_UNREACHABLE = N_("The certificate authority could not be reached. The panel tries again later.")
UNREACHABLE = N_("The certificate authority could not reach this site over HTTP to confirm the domain. "
                 "Check that the domain (and its www. name) points to this server.")
DNS = N_("The certificate authority could not find this domain in DNS. Check the domain's DNS records.")
RATE_LIMITED = N_("The certificate authority asks us to wait (too many requests). The panel tries again later.")
REJECTED = N_("The certificate authority refuses to issue a certificate for this domain.")
NOT_ISSUED = N_("The certificate could not be issued. Support has the details.")
NO_ACME = N_("Certificates from a certificate authority are not offered on this server. Upload your own "
             "certificate instead.")
NOT_SERVED = N_("The certificate was issued but the server could not use it. Support has the details.")

REASONS = frozenset({CA_UNREACHABLE, UNREACHABLE, DNS, RATE_LIMITED, REJECTED, NOT_ISSUED, NO_ACME, NOT_SERVED})
