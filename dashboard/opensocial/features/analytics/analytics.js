window._IG_Analytics = function () { /* nothing is reported */ };
