probe["_IG_Analytics"] = function () { return window._IG_Analytics("UA-1", "/probe") === undefined; };
