// See bot.html. Uses the client library's browser script (the global KurentoRoom).
(function () {
  var params = new URLSearchParams(location.search);
  var user = params.get('user');
  var hue = Number(params.get('hue') || 210);
  var state = document.getElementById('state');
  var say = function (text) { state.textContent = text; };

  var canvas = document.createElement('canvas');
  canvas.width = 240;
  canvas.height = 180;
  document.body.appendChild(canvas);
  var g = canvas.getContext('2d');
  var started = Date.now();
  function draw() {
    var t = (Date.now() - started) / 1000;
    g.fillStyle = 'hsl(' + hue + ', 38%, 30%)';
    g.fillRect(0, 0, 240, 180);
    // A head and shoulders, so the tile reads as a person at a glance.
    g.fillStyle = 'hsl(' + hue + ', 30%, 62%)';
    g.beginPath();
    g.arc(120, 75, 32, 0, 2 * Math.PI);
    g.fill();
    g.beginPath();
    g.ellipse(120, 180, 72, 58, 0, Math.PI, 2 * Math.PI);
    g.fill();
    // A hand of a clock: the picture changes every frame.
    g.strokeStyle = 'rgba(255, 255, 255, 0.8)';
    g.lineWidth = 4;
    g.beginPath();
    g.moveTo(216, 24);
    g.lineTo(216 + 14 * Math.cos(t * 2), 24 + 14 * Math.sin(t * 2));
    g.stroke();
  }
  draw();
  setInterval(draw, 125);

  var wsUri = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/room';
  navigator.mediaDevices.getUserMedia({ audio: true }).then(function (microphone) {
    var media = new MediaStream(canvas.captureStream(8).getVideoTracks().concat(microphone.getAudioTracks()));
    KurentoRoom(wsUri, function (error, kurento) {
      if (error) return say('error ' + error.message);
      var room = kurento.Room({ room: params.get('room'), user: user, subscribeToStreams: false });
      var stream = kurento.Stream(room, { mediaStream: media, audio: true, video: true });
      // A loaded machine may drop a socket or a connection now and then; the client gets back in
      // by itself, and a publish that failed meanwhile is tried again a few times.
      var publish = function (attempt) {
        stream.publish().then(function () {
          if (params.get('muted') === '1') stream.setAudioEnabled(false);
          if (params.get('camera') === 'off') stream.setVideoEnabled(false);
          say('published');
        }, function (error) {
          if (attempt < 5) setTimeout(function () { publish(attempt + 1); }, 1000);
          else say('error ' + error.message);
        });
      };
      room.addEventListener('room-connected', function () { publish(1); });
      stream.init().then(function () { return room.connect(); });
      window.addEventListener('pagehide', function () { kurento.close(); });
    });
  }, function (error) { say('error ' + error.name); });
})();
