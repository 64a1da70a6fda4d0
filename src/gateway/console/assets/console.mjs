// Progressive enhancement only (docs/decisions.md "The hub console"): every page works without
// this script. It marks the page as scripted, as the GOV.UK page template does, and starts the
// govuk-frontend components (error summary focus, radios, buttons' double-click guard).
import { initAll, isSupported } from '/console/assets/govuk-frontend.min.js';

// As the GOV.UK page template's own snippet: a browser that runs module scripts is supported.
document.body.classList.add('js-enabled', 'govuk-frontend-supported');
if (isSupported()) initAll();
