// See bot.html. Uses the client library's browser script (the global KurentoRoom).
(function () {
  var room = new URLSearchParams(location.search).get('room');
  var wsUri = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/room';
  var microphone = navigator.mediaDevices.getUserMedia({ audio: true });
  var pictures = [];
  var started = Date.now();

  function draw(picture) {
    var g = picture.context;
    var t = (Date.now() - started) / 1000;
    g.fillStyle = 'hsl(' + picture.hue + ', 38%, 30%)';
    g.fillRect(0, 0, 240, 180);
    // A head and shoulders, so the tile reads as a person at a glance.
    g.fillStyle = 'hsl(' + picture.hue + ', 30%, 62%)';
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
  setInterval(function () { pictures.forEach(draw); }, 125);

  function picture(hue) {
    var canvas = document.createElement('canvas');
    canvas.width = 240;
    canvas.height = 180;
    document.body.appendChild(canvas);
    var p = { hue: hue, context: canvas.getContext('2d') };
    pictures.push(p);
    draw(p);
    return canvas.captureStream(8).getVideoTracks()[0];
  }

  window.addPerson = function (person) {
    return microphone.then(function (mic) {
      var media = new MediaStream([picture(person.hue), mic.getAudioTracks()[0].clone()]);
      return new Promise(function (resolve, reject) {
        KurentoRoom(wsUri, function (error, kurento) {
          if (error) return reject(error);
          var r = kurento.Room({ room: room, user: person.user, subscribeToStreams: false });
          var stream = kurento.Stream(r, { mediaStream: media, audio: true, video: true });
          // A loaded machine may drop a socket or a connection now and then; the client gets back
          // in by itself, and a publish that failed meanwhile is tried again a few times.
          var publish = function (attempt) {
            stream.publish().then(function () {
              if (person.muted) stream.setAudioEnabled(false);
              if (person.cameraOff) stream.setVideoEnabled(false);
              resolve();
            }, function (failure) {
              if (attempt < 5) setTimeout(function () { publish(attempt + 1); }, 1000);
              else reject(new Error(person.user + ': ' + failure.message));
            });
          };
          r.addEventListener('room-connected', function () { publish(1); });
          stream.init().then(function () { return r.connect(); }).catch(reject);
          window.addEventListener('pagehide', function () { kurento.close(); });
        });
      });
    });
  };
})();
