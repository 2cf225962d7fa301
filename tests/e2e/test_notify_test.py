"""`speechwatch notify-test CHANNEL`: a signed `test` event sent now, and the
receiver's answer printed."""
import urllib.request

import swtest

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class NotifyTestTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.recv, self.port, self.log = swtest.start_webhook_receiver(self.tmp, SECRET)
        self.procs.append(self.recv)
        self.write("hook.secret", SECRET + "\n", 0o600)
        self.conf = self.write("speechwatch.conf", (
            "[daemon]\nstate_dir = %s/state\n"
            "[notify \"analysts\"]\ntype = webhook\nurl = http://127.0.0.1:%d/hook\n"
            "secret_file = hook.secret\n") % (self.tmp, self.port))

    def mode(self, q):
        urllib.request.urlopen("http://127.0.0.1:%d/__mode?%s" % (self.port, q), timeout=5).read()

    def test_delivered_and_signed(self):
        r = self.sw("notify-test", "-c", self.conf, "analysts")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("channel analysts (webhook): delivered", r.stdout)
        got = swtest.read_jsonl(self.log)
        self.assertEqual(len(got), 1)
        self.assertTrue(got[0]["signature_ok"], got[0])
        self.assertEqual(got[0]["body"]["type"], "test")
        self.assertEqual(got[0]["body"]["id"], got[0]["webhook_id"])
        self.assertIn(got[0]["webhook_id"], r.stdout)

    def test_receiver_answer_is_printed_and_failure_exits_1(self):
        self.mode("mode=gone")
        r = self.sw("notify-test", "-c", self.conf, "analysts")
        self.assertEqual(r.returncode, 1)
        self.assertIn("gone", r.stdout)
        self.assertIn("HTTP 410", r.stdout)

    def test_unknown_channel(self):
        r = self.sw("notify-test", "-c", self.conf, "nope")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no channel 'nope'", r.stderr)


if __name__ == "__main__":
    swtest.main()
