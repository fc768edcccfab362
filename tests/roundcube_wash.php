<?php
// Used by tests/test_webmail.py: reads an HTML part on stdin, prints what Roundcube would show.
// Cleans an HTML document as Roundcube does before showing a message (rcmail_action_mail_index::wash_html).
define('INSTALL_PATH', '/usr/share/roundcube/');
require_once '/usr/share/roundcube/program/lib/Roundcube/bootstrap.php';
$html = file_get_contents('php://stdin');
$washer = new rcube_washtml([
    'show_washed' => false, 'allow_remote' => false, 'blocked_src' => 'program/resources/blocked.gif',
    'charset' => RCUBE_CHARSET, 'cid_map' => [], 'html_elements' => ['body'], 'css_prefix' => 'v1',
    'container_id' => 'message-htmlpart1', 'body_class' => '',
]);
echo $washer->wash($html);
