probe["gadgets.pubsub.subscribe"] = function () {
  return new Promise(function (done) {
    gadgets.pubsub.subscribe("probe-channel", function (sender, message) { done(message === "ping" && typeof sender === "string"); });
    window.setTimeout(function () { gadgets.pubsub.publish("probe-channel", "ping"); }, 50);
  });
};
probe["gadgets.pubsub.publish"] = probe["gadgets.pubsub.subscribe"];
probe["gadgets.pubsub.unsubscribe"] = function () {
  return new Promise(function (done) {
    var heard = false;
    gadgets.pubsub.subscribe("probe-gone", function () { heard = true; });
    gadgets.pubsub.unsubscribe("probe-gone");
    gadgets.pubsub.publish("probe-gone", "x");
    window.setTimeout(function () { done(!heard); }, 300);
  });
};
