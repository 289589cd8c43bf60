// nbdime is bundled (its modules are imported by path, which module federation
// does not share), so its styles come with it: the diff view never depends on
// the nbdime-jupyterlab extension being enabled.
import 'nbdime/lib/styles/variables.css';
import 'nbdime/lib/styles/common.css';
import 'nbdime/lib/styles/diff.css';
import 'nbdime/lib/styles/merge.css';
import './base.css';
import './branches.css';
import './sidebar.css';
import './tabs.css';
import './lineage.css';
import './dialogs.css';
import './replay.css';
