var subscriptions = {};
window.addEventListener("message", function (event) {
  var data = event.data;
  if (event.source !== window.parent || !data || data.type !== "dashboard:pubsub-deliver") { return; }
  if (Object.prototype.hasOwnProperty.call(subscriptions, data.channel)) {
    subscriptions[data.channel](data.sender, data.message);
  }
});
gadgets.pubsub = {
  publish: function (channel, message) {
    tell({ type: "dashboard:pubsub", op: "publish", channel: String(channel), message: message });
  },
  subscribe: function (channel, callback) {
    subscriptions[String(channel)] = callback;
    tell({ type: "dashboard:pubsub", op: "subscribe", channel: String(channel) });
  },
  unsubscribe: function (channel) {
    delete subscriptions[String(channel)];
    tell({ type: "dashboard:pubsub", op: "unsubscribe", channel: String(channel) });
  }
};
